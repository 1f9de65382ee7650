//go:build !linux

package vfs

import (
	"fmt"
	"runtime"

	"github.com/layerfs/graphdriver"
)

// Driver is the vfs backend; off Linux it cannot be opened.
type Driver struct{ graphdriver.Driver }

func newDriver(string, []string, graphdriver.IDMap) (*Driver, error) { return nil, supported() }

func supported() error {
	return fmt.Errorf("vfs: %w on %s: tree copies keep Linux metadata (owners, xattrs, devices)", graphdriver.ErrNotSupported, runtime.GOOS)
}
