//go:build !linux

package overlay2

import (
	"fmt"
	"runtime"

	"github.com/layerfs/graphdriver"
)

// Driver is the overlay2 backend; off Linux it cannot be opened.
type Driver struct {
	graphdriver.Driver
}

func notSupported() error {
	return fmt.Errorf("overlay2: %w on %s: overlayfs is a Linux filesystem", graphdriver.ErrNotSupported, runtime.GOOS)
}

func newDriver(string, []string, graphdriver.IDMap) (*Driver, error) { return nil, notSupported() }

func supported(string) error { return notSupported() }
