//go:build !linux

package layerdiff

import (
	"fmt"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
)

func merge(dst, diff string, copier *cow.Copier) error {
	return fmt.Errorf("layerdiff: merge into %s: %w", dst, graphdriver.ErrNotSupported)
}
