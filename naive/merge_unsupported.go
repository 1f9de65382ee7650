//go:build !linux

package naive

import (
	"fmt"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
)

func merge(dst, diff string, copier *cow.Copier) error {
	return fmt.Errorf("naive: merge into %s: %w", dst, graphdriver.ErrNotSupported)
}
