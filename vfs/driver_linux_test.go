package vfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/drivertest"
	"github.com/layerfs/graphdriver/internal/testsupport/loopfs"
)

func openStore(home string) (graphdriver.Driver, error) {
	return New(home, nil, graphdriver.IDMap{})
}

func TestConformance(t *testing.T) {
	drivertest.Run(t, openStore)
}

// TestConformanceOnXFSReflink runs the suite again on a loopback xfs with
// reflink, where Create clones file extents instead of copying them.
func TestConformanceOnXFSReflink(t *testing.T) {
	loopfs.TempDirOnReflinkXFS(t)
	drivertest.Run(t, openStore)
}

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

func TestOptions(t *testing.T) {
	tests := []struct {
		name    string
		options []string
		wantErr string
	}{
		{name: "none"},
		{name: "strict", options: []string{"vfs.xattrs=strict"}},
		{name: "skip", options: []string{"vfs.xattrs=skip-unsupported"}},
		{name: "other backend's ignored", options: []string{"overlay2.size=1G"}},
		{name: "bad value", options: []string{"vfs.xattrs=maybe"}, wantErr: "vfs.xattrs"},
		{name: "unknown key", options: []string{"vfs.size=1G"}, wantErr: "unknown option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(t.TempDir(), tt.options, graphdriver.IDMap{})
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("New(%q) error = %v, want one containing %q", tt.options, err, tt.wantErr)
			}
		})
	}
}

func TestRegisteredAndChosenByNew(t *testing.T) {
	root := t.TempDir()
	d, err := graphdriver.New("vfs", root, nil, graphdriver.IDMap{})
	if err != nil {
		t.Fatal(err)
	}
	if d.String() != "vfs" {
		t.Fatalf("New(vfs) gave %s", d)
	}
	mustCreate(t, d, "a", "")
	// With state under root, auto-selection must pick vfs again.
	again, err := graphdriver.New("", root, nil, graphdriver.IDMap{})
	if err != nil || again.String() != "vfs" || !again.Exists("a") {
		t.Fatalf("New(\"\") = %v, %v; want the existing vfs store", again, err)
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
