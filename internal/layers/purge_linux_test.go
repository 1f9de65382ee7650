package layers

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/mount"
	"golang.org/x/sys/unix"
)

// TestRemoveTreeReadOnlyDirs: a layer may hold 0555 directories, which
// a non-root owner cannot delete entries from until it makes them
// writable again; RemoveTree does.
func TestRemoveTreeReadOnlyDirs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "layer")
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "b", "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(dir, "a", "b"), filepath.Join(dir, "a")} {
		if err := os.Chmod(d, 0o555); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveTree(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s still there: %v", dir, err)
	}
}

// TestPurgeRefusesMounted: a purge never deletes through a mount (it
// would delete a mounted layer's files); it names the mount and wraps
// ErrBusy, and purges once the mount is gone.
func TestPurgeRefusesMounted(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	below := filepath.Join(dir, "merged")
	if err := os.Mkdir(below, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", below, "tmpfs", 0, ""); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = mount.Unmount(below) })
	if err := os.WriteFile(filepath.Join(below, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{dir, below} {
		if err := Purge(target); !errors.Is(err, graphdriver.ErrBusy) {
			t.Fatalf("Purge(%s) with %s mounted = %v, want ErrBusy", target, below, err)
		}
	}
	if _, err := os.Stat(filepath.Join(below, "keep")); err != nil {
		t.Fatalf("a file of the mount went: %v", err)
	}
	if err := mount.Unmount(below); err != nil {
		t.Fatal(err)
	}
	if err := Purge(dir); err != nil {
		t.Fatal(err)
	}
}
