package layers

import (
	"fmt"
	"os"
	"path/filepath"
)

// MakeHome creates a backend's home and the directories it lists (home
// first), each mode 0710 whatever the umask, in the group of the
// remapped root when that is not the caller's. As Docker's are, so that
// other users cannot reach setuid binaries inside layers
// (CVE-2021-41091) while the remapped root can pass.
func MakeHome(backend, home string, rootGID int, dirs ...string) error {
	for _, dir := range append([]string{home}, dirs...) {
		if err := os.MkdirAll(dir, 0o710); err != nil {
			return fmt.Errorf("%s: open %s: %w", backend, home, err)
		}
		if err := os.Chmod(dir, 0o710); err != nil {
			return fmt.Errorf("%s: open %s: %w", backend, home, err)
		}
		if rootGID != os.Getegid() {
			if err := os.Lchown(dir, os.Geteuid(), rootGID); err != nil {
				return fmt.Errorf("%s: open %s: %w", backend, home, err)
			}
		}
	}
	return nil
}

// MakeRealHome is MakeHome for a backend that mounts: it returns home
// with its symlinks resolved, since the mount points below it are
// compared with the mount table, which holds real paths.
func MakeRealHome(backend, home string, rootGID int, dirs ...string) (string, error) {
	if err := MakeHome(backend, home, rootGID, dirs...); err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(home)
	if err != nil {
		return "", fmt.Errorf("%s: open %s: %w", backend, home, err)
	}
	return real, nil
}

// MkdirOwned makes dir with exactly mode, whatever the umask, owned by
// uid and gid where those are not the caller's: how a backend makes a
// layer's root, which must look like an empty layer's root (0755, owned
// by the remapped root) in every view.
func MkdirOwned(dir string, mode os.FileMode, uid, gid int) error {
	if err := os.Mkdir(dir, mode); err != nil {
		return err
	}
	if err := os.Chmod(dir, mode); err != nil { // the umask may have cut bits
		return err
	}
	if uid != os.Geteuid() || gid != os.Getegid() {
		return os.Lchown(dir, uid, gid)
	}
	return nil
}
