//go:build !linux

package whiteout

import (
	"fmt"
	"os"
	"runtime"

	graphdriver "github.com/layerfs/graphdriver"
)

func errNotSupported() error {
	return fmt.Errorf("on-disk whiteouts on %s: %w", runtime.GOOS, graphdriver.ErrNotSupported)
}

func makeWhiteout(dir, name string, f Format) error { return errNotSupported() }

func makeOpaque(dir string, f Format) error { return errNotSupported() }

func isOpaqueDir(dir string, f Format) (bool, error) { return false, errNotSupported() }

func convertTree(root string, from, to Format) error { return errNotSupported() }

// deviceNumber is not known here: overlay whiteouts are a Linux thing.
func deviceNumber(fi os.FileInfo) (uint64, bool) { return 0, false }
