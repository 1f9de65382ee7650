package vfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/testsupport/loopfs"
)

func TestStatusReportsReflinkOnXFS(t *testing.T) {
	mnt := loopfs.New(t, "xfs", 512<<20, []string{"-m", "reflink=1"}, "")
	d, err := New(filepath.Join(mnt, "vfs"), nil, graphdriver.IDMap{})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, kv := range d.Status() {
		status[kv[0]] = kv[1]
	}
	if status["Backing Filesystem"] != "xfs" || status["Reflink"] != "true" {
		t.Fatalf("Status = %v, want xfs with reflink", d.Status())
	}
}

// TestOpenPurgesCrashLeftovers plants what a crash in the middle of Create
// and Remove leaves, and checks a reopen removes it and keeps real layers.
func TestOpenPurgesCrashLeftovers(t *testing.T) {
	home := t.TempDir()
	d := mustNew(t, home)
	mustCreate(t, d, "kept", "")
	mustCreate(t, d, "child", "kept")
	plant := []string{"dir/.tmp-half", "dir/.tmp-half/file", "dir/.removing-gone", "dir/.removing-gone/sub/file"}
	for _, p := range plant {
		if strings.HasSuffix(p, "file") {
			writeFile(t, filepath.Join(home, p), "x")
		} else if err := os.MkdirAll(filepath.Join(home, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(home, "meta", "half.json"), `{"parent":"kept"}`)

	d = mustNew(t, home)
	for _, p := range []string{"dir/.tmp-half", "dir/.removing-gone", "meta/half.json"} {
		if _, err := os.Lstat(filepath.Join(home, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived reopen (err %v)", p, err)
		}
	}
	if !d.Exists("kept") || !d.Exists("child") || d.Exists("half") {
		t.Fatalf("after reopen: kept=%v child=%v half=%v, want true true false",
			d.Exists("kept"), d.Exists("child"), d.Exists("half"))
	}
	if err := d.Remove("kept"); !errors.Is(err, graphdriver.ErrHasChildren) {
		t.Fatalf("Remove(kept) after reopen = %v, want ErrHasChildren (parent links lost?)", err)
	}
}

// TestOpensDockerStore opens a store laid out by Docker's vfs driver:
// dir/<id> trees and no metadata of ours.
func TestOpensDockerStore(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, "dir", "3f2a9c", "etc", "hostname"), "docker\n")
	d := mustNew(t, home)
	dir, err := d.Get("3f2a9c", "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Put("3f2a9c")
	if b, err := os.ReadFile(filepath.Join(dir, "etc", "hostname")); err != nil || string(b) != "docker\n" {
		t.Fatalf("read etc/hostname = %q, %v", b, err)
	}
	mustCreate(t, d, "child", "3f2a9c")
}

func TestHomeIsNotWorldReadable(t *testing.T) {
	home := filepath.Join(t.TempDir(), "vfs")
	mustNew(t, home)
	for _, p := range []string{home, filepath.Join(home, "dir")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		// CVE-2021-41091: others must not reach setuid binaries in layers.
		if perm := fi.Mode().Perm(); perm != 0o710 {
			t.Errorf("%s mode %#o, want 0710", p, perm)
		}
	}
}

func mustNew(t *testing.T, home string) *Driver {
	t.Helper()
	d, err := New(home, nil, graphdriver.IDMap{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustCreate(t *testing.T, d graphdriver.Driver, id, parent string) {
	t.Helper()
	if err := d.Create(id, parent, nil); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
