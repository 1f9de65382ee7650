//go:build !linux

package aufs

import (
	"fmt"
	"runtime"

	"github.com/layerfs/graphdriver"
)

// Driver is the aufs backend; off Linux it cannot be opened.
type Driver struct {
	graphdriver.Driver
}

func notSupported() error {
	return fmt.Errorf("aufs: %w on %s: aufs and fuse-overlayfs are Linux filesystems", graphdriver.ErrNotSupported, runtime.GOOS)
}

func newDriver(string, []string, graphdriver.IDMap) (*Driver, error) { return nil, notSupported() }

func probe([]string) (mounter, error) { return nil, notSupported() }

type mounter interface{}

// Layers returns nothing: off Linux no store opens.
func (d *Driver) Layers() map[string]string { return nil }
