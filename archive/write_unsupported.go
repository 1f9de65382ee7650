//go:build !linux

package archive

import (
	"fmt"

	graphdriver "github.com/layerfs/graphdriver"
)

func openSource(string, graphdriver.IDMap) (pathWriter, error) {
	return nil, fmt.Errorf("reading a tree for a layer tar needs Linux: %w", graphdriver.ErrNotSupported)
}
