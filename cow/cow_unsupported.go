//go:build !linux

package cow

import (
	"fmt"

	graphdriver "github.com/layerfs/graphdriver"
)

func (c *Copier) copyFile(dst, src string) error {
	return fmt.Errorf("cow: copy %s: %w", src, graphdriver.ErrNotSupported)
}

func (c *Copier) copyTree(dst, src string) error {
	return fmt.Errorf("cow: copy %s: %w", src, graphdriver.ErrNotSupported)
}

func (c *Copier) copyUp(upperRoot, lowerRoot, rel string) error {
	return fmt.Errorf("cow: copy up %s: %w", rel, graphdriver.ErrNotSupported)
}

func reflinkSupported(dir string) (bool, error) {
	return false, fmt.Errorf("cow: probe reflink in %s: %w", dir, graphdriver.ErrNotSupported)
}

func (c *Copier) copyDirMetadata(dst, src string) error {
	return fmt.Errorf("cow: copy metadata of %s: %w", src, graphdriver.ErrNotSupported)
}
