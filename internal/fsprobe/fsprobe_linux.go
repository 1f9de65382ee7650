package fsprobe

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// BackingFS returns the name of the filesystem holding path.
func BackingFS(path string) (string, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return "", fmt.Errorf("statfs %s: %w", path, err)
	}
	return Name(int64(st.Type)), nil
}
