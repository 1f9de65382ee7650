package crosstest

import (
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/aufs"
	"github.com/layerfs/graphdriver/drivertest"
	"github.com/layerfs/graphdriver/naive"
	"github.com/layerfs/graphdriver/overlay2"
	"github.com/layerfs/graphdriver/vfs"
)

// TestBackendsAgree holds naive, vfs, overlay2 and aufs (mounted by
// fuse-overlayfs) to each other: the same layers give the same views,
// Diff bytes, Changes and DiffSize.
func TestBackendsAgree(t *testing.T) {
	drivertest.RunCross(t, map[string]drivertest.Factory{
		"vfs": func(home string) (graphdriver.Driver, error) {
			return vfs.New(home, nil, graphdriver.IDMap{})
		},
		"naive": func(home string) (graphdriver.Driver, error) {
			return naive.New(home, nil, graphdriver.IDMap{})
		},
		"overlay2": func(home string) (graphdriver.Driver, error) {
			return overlay2.New(home, nil, graphdriver.IDMap{})
		},
		"aufs": func(home string) (graphdriver.Driver, error) {
			return aufs.New(home, []string{"aufs.mount_program=fuse-overlayfs"}, graphdriver.IDMap{})
		},
	})
}
