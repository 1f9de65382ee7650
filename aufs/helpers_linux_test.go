package aufs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/mount"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
)

// openDriver opens a driver on home with the mount program, skipping the
// test with New's reason when it cannot run here (not root, no
// fuse-overlayfs).
func openDriver(t testing.TB, home string) *Driver {
	t.Helper()
	d, err := New(home, []string{programOption}, graphdriver.IDMap{})
	if errors.Is(err, graphdriver.ErrNotSupported) {
		t.Skipf("aufs with a mount program not supported here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Cleanup() })
	return d
}

// writeView writes files (name -> content; "" removes the name) into
// layer id through Get/Put.
func writeView(t testing.TB, d graphdriver.Driver, id string, files map[string]string) {
	t.Helper()
	dir, err := d.Get(id, "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.Put(id); err != nil {
			t.Fatal(err)
		}
	}()
	ops.WriteFiles(t, dir, files)
}

// readView returns the content of name in layer id's view, or "" when
// it does not exist.
func readView(t testing.TB, d graphdriver.Driver, id, name string) string {
	t.Helper()
	dir, err := d.Get(id, "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.Put(id); err != nil {
			t.Fatal(err)
		}
	}()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// requireNoMountsUnder fails unless nothing is mounted below dir.
func requireNoMountsUnder(t testing.TB, dir string) {
	t.Helper()
	entries, err := mount.Read()
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if left := mount.Under(entries, real); len(left) > 0 {
		t.Fatalf("mounts left under %s: %v", dir, left)
	}
}

// listTree returns every path below root, relative, with a type letter:
// "d etc", "f etc/hosts", "c gone" (a char device), "l link".
func listTree(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		kind := "f"
		switch {
		case e.IsDir():
			kind = "d"
		case e.Type()&os.ModeSymlink != 0:
			kind = "l"
		case e.Type()&os.ModeCharDevice != 0:
			kind = "c"
		}
		out = append(out, kind+" "+rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
