//go:build !linux

package mount

import (
	"fmt"
	"runtime"
)

// Read returns the mount table; only Linux has one here.
func Read() ([]Entry, error) {
	return nil, fmt.Errorf("mount: no mount table on %s", runtime.GOOS)
}
