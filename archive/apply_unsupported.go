//go:build !linux

package archive

import (
	"fmt"
	"io"
	"runtime"

	graphdriver "github.com/layerfs/graphdriver"
)

// apply needs openat2-style resolution and Linux *at syscalls.
func apply(root string, r io.Reader, opts *ApplyOptions) (int64, error) {
	return 0, fmt.Errorf("apply to %s on %s: %w", root, runtime.GOOS, graphdriver.ErrNotSupported)
}
