//go:build !linux

package mountinfo

import (
	"fmt"
	"runtime"
)

// Read returns the mount table; only Linux has one here.
func Read() ([]Entry, error) {
	return nil, fmt.Errorf("mountinfo: no mount table on %s", runtime.GOOS)
}
