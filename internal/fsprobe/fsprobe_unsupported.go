//go:build !linux

package fsprobe

import (
	"fmt"
	"runtime"
)

// BackingFS is not available off Linux.
func BackingFS(path string) (string, error) {
	return "", fmt.Errorf("statfs %s: not supported on %s", path, runtime.GOOS)
}
