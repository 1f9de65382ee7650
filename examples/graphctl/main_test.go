package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/aufs"
)

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"status"}, {"migrate-aufs", "-from", "x"}} {
		if err := run(&bytes.Buffer{}, args); err == nil {
			t.Errorf("run(%q) succeeded, want a usage error", args)
		}
	}
}

func TestStatusVfs(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, []string{"status", "-backend", "vfs", "-root", t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "backend vfs\n") {
		t.Fatalf("status printed %q", out.String())
	}
}

// TestMigrateAufs runs the subcommand on a one-layer aufs store.
func TestMigrateAufs(t *testing.T) {
	root := t.TempDir()
	from, to := filepath.Join(root, "aufs"), filepath.Join(root, "overlay2")
	d, err := aufs.New(from, []string{"aufs.mount_program=fuse-overlayfs"}, graphdriver.IDMap{})
	if errors.Is(err, graphdriver.ErrNotSupported) {
		t.Skipf("aufs with fuse-overlayfs not supported here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CreateReadWrite("base", "", nil); err != nil {
		t.Fatal(err)
	}
	dir, err := d.Get("base", "")
	if err != nil {
		t.Fatal(err)
	}
	err = errors.Join(os.WriteFile(filepath.Join(dir, "hello"), []byte("hi\n"), 0o644), d.Put("base"), d.Cleanup())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = run(&out, []string{"migrate-aufs", "-from", from, "-to", to, "-mount-program", "fuse-overlayfs"})
	if errors.Is(err, graphdriver.ErrNotSupported) {
		t.Skipf("overlay2 not supported here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1 layers copied") || !strings.HasPrefix(out.String(), "base  parent -") {
		t.Fatalf("migrate-aufs printed %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(to, "base", "diff", "hello")); err != nil {
		t.Fatalf("the layer is not in the overlay2 store: %v", err)
	}
}
