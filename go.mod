module github.com/layerfs/graphdriver

go 1.24.0

require (
	github.com/cyphar/filepath-securejoin v0.7.0
	github.com/google/go-cmp v0.7.0
	github.com/moby/sys/mountinfo v0.7.2
	github.com/stretchr/testify v1.12.1
	golang.org/x/sys v0.41.0
)

require (
	cyphar.com/go-pathrs v0.2.5 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
