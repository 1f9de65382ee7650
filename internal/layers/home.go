package layers

import (
	"fmt"
	"os"
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
