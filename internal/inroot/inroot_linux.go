package inroot

import (
	"fmt"
	"os"
	"path/filepath"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// OpenFile opens the file at rel inside root for reading. Directories on
// the way are resolved inside root (openat2 RESOLVE_IN_ROOT, or
// pathrs-lite's emulation on older kernels); the last component is never
// followed, so a symlink there is an error (ELOOP), and opening never
// blocks on a fifo.
func OpenFile(root, rel string) (*os.File, error) {
	dir, base := filepath.Split(filepath.Clean("/" + rel))
	if base == "" {
		return nil, fmt.Errorf("open %s in %s: %w", rel, root, unix.EISDIR)
	}
	parent, err := pathrs.OpenInRoot(root, dir)
	if err != nil {
		return nil, fmt.Errorf("open %s in %s: %w", rel, root, err)
	}
	defer parent.Close()
	fd, err := unix.Openat(int(parent.Fd()), base, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s in %s: %w", rel, root, err)
	}
	return os.NewFile(uintptr(fd), filepath.Join(root, dir, base)), nil
}
