//go:build !linux

package naive

import (
	"fmt"
	"runtime"

	"github.com/layerfs/graphdriver"
)

// Driver is the naive backend; off Linux it cannot be opened.
type Driver struct{ graphdriver.Driver }

func newDriver(string, []string, graphdriver.IDMap) (*Driver, error) { return nil, supported() }

func supported() error {
	return fmt.Errorf("naive: %w on %s: views keep Linux metadata (owners, xattrs, devices)", graphdriver.ErrNotSupported, runtime.GOOS)
}
