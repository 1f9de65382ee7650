//go:build !linux

package inroot

import (
	"fmt"
	"os"
	"runtime"
)

// OpenFile is not available off Linux.
func OpenFile(root, rel string) (*os.File, error) {
	return nil, fmt.Errorf("open %s in %s: not supported on %s", rel, root, runtime.GOOS)
}
