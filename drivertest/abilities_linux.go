package drivertest

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

func probeAbilities() ability {
	dir, err := os.MkdirTemp("", "drivertest-probe-")
	if err != nil {
		return ability{chown: err, mknod: err}
	}
	defer os.RemoveAll(dir)
	var a ability
	f := filepath.Join(dir, "owned")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		return ability{chown: err, mknod: err}
	}
	if err := os.Lchown(f, 1234, 5678); err != nil {
		a.chown = fmt.Errorf("root here cannot chown to 1234:5678 (a user namespace without those ids?): %w", err)
	}
	if err := unix.Mknod(filepath.Join(dir, "null"), unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3))); err != nil {
		a.mknod = fmt.Errorf("root here cannot mknod char device 1:3 (a user namespace?): %w", err)
	}
	return a
}
