package layers

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver/internal/mount"
)

// Purge deletes dir, a layer renamed aside, a temporary or a leftover of
// a crash, after checking that nothing is mounted on or below it (an
// error wrapping graphdriver.ErrBusy then, and nothing deleted): a
// delete through a mount would delete the contents of the layers mounted
// there. Every backend purges through it.
func Purge(dir string) error {
	if err := mount.CheckUnmounted(dir); err != nil {
		return err
	}
	return RemoveTree(dir)
}

// RemoveTree removes path and everything below it, never following a
// symlink, for a tree the caller knows is not mounted (its own
// temporaries). Directories a non-root owner cannot write (mode 0555 in
// a layer) are made writable first, which the owner may always do.
func RemoveTree(path string) error {
	err := os.RemoveAll(path)
	if err == nil || !errors.Is(err, fs.ErrPermission) {
		return err
	}
	_ = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700) // a real directory: WalkDir never follows symlinks
		}
		return nil
	})
	return os.RemoveAll(path)
}
