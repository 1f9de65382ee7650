//go:build !linux

package mount

import (
	"fmt"
	"runtime"

	"github.com/layerfs/graphdriver"
)

func notSupported() error {
	return fmt.Errorf("mount: %w on %s", graphdriver.ErrNotSupported, runtime.GOOS)
}

// Unmount needs Linux.
func Unmount(string) error { return notSupported() }

// UnmountAllUnder needs Linux.
func UnmountAllUnder(string) error { return notSupported() }

// IsMounted needs Linux.
func IsMounted(string) (bool, error) { return false, notSupported() }

// CheckUnmounted needs Linux.
func CheckUnmounted(string) error { return notSupported() }
