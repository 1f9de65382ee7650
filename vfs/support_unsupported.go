//go:build !linux

package vfs

import (
	"fmt"
	"runtime"

	"github.com/layerfs/graphdriver"
)

func supported() error {
	return fmt.Errorf("vfs: %w on %s: tree copies keep Linux metadata (owners, xattrs, devices)", graphdriver.ErrNotSupported, runtime.GOOS)
}
