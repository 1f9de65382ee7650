//go:build linux

package drivertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// build applies fixtures to a fresh 0755 directory and snapshots it.
func build(t *testing.T, appliers ...Applier) (string, Tree) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Apply(appliers...).Apply(root); err != nil {
		t.Fatal(err)
	}
	tree, err := Snapshot(root)
	if err != nil {
		t.Fatal(err)
	}
	return root, tree
}

func TestFixtureRejectsPathsOutsideRoot(t *testing.T) {
	outside := t.TempDir()
	root, _ := build(t,
		CreateDir("dir", 0o755),
		Symlink(outside, "abs-escape"),
		Symlink("..", "up"),
		Symlink("dir/../..", "sneaky"),
		Symlink("/dir", "abs-inside"),
	)
	hostile := []Applier{
		CreateFile("../x", nil, 0o644),
		CreateFile("/abs", nil, 0o644),
		CreateFile("dir/../../x", nil, 0o644),
		CreateFile("", nil, 0o644),
		CreateFile("a\x00b", nil, 0o644),
		CreateFile("abs-escape/x", nil, 0o644),
		CreateFile("up/x", nil, 0o644),
		CreateFile("sneaky/x", nil, 0o644),
		// RESOLVE_BENEATH refuses absolute symlinks even when they would
		// land inside: the fixture cannot know the intended root.
		CreateFile("abs-inside/x", nil, 0o644),
		CreateDir("up/d", 0o755),
		Rename("dir", "up/dir"),
		Link("../x", "y"),
		Symlink("anything", "up/link"),
		Mkfifo("abs-escape/fifo", 0o644),
		RemoveAll("up/" + filepath.Base(root)),
	}
	for _, a := range hostile {
		if err := a.Apply(root); err == nil {
			t.Errorf("a hostile fixture step succeeded")
		} else if !strings.HasPrefix(err.Error(), "drivertest: ") {
			t.Errorf("error without context: %v", err)
		}
	}
	entries, err := os.ReadDir(outside)
	if err != nil || len(entries) != 0 {
		t.Errorf("outside dir changed: %v %v", entries, err)
	}
	if _, err := os.Stat(root); err != nil {
		t.Errorf("root gone: %v", err)
	}
}

func TestFixtureFollowsSymlinksInsideRoot(t *testing.T) {
	_, tree := build(t, CreateDir("dir", 0o755), Symlink("dir", "in"), CreateFile("in/x", []byte("x"), 0o644))
	if tree["dir/x"].Type != TypeFile {
		t.Errorf("dir/x not made through the in-root symlink:\n%s", tree)
	}
}

// TestFixtureNeverFollowsFinalSymlink points links at a file and a dir
// outside the root and checks that no step changes them.
func TestFixtureNeverFollowsFinalSymlink(t *testing.T) {
	outside := t.TempDir()
	target := filepath.Join(outside, "target")
	if err := os.WriteFile(target, []byte("outside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Unix(1000, 0)
	if err := os.Chtimes(target, old, old); err != nil {
		t.Fatal(err)
	}
	before, err := Snapshot(outside, WithModTime())
	if err != nil {
		t.Fatal(err)
	}
	root, _ := build(t, Symlink(target, "link"), Symlink(outside, "dirlink"))
	mustFail := []Applier{
		CreateFile("link", []byte("through"), 0o644),
		AppendFile("link", []byte("through")),
		Chmod("link", 0o600),
		CreateDir("link", 0o755),
	}
	for _, a := range mustFail {
		if err := a.Apply(root); err == nil {
			t.Errorf("a step wrote through a final symlink")
		}
	}
	mayWork := []Applier{
		Chown("link", os.Getuid(), os.Getgid()),
		Chtimes("link", time.Unix(5, 0), time.Unix(5, 0)),
		SetXattr("link", "user.x", []byte("1")), // EPERM on symlinks, never on the target
		Remove("link"),
		RemoveAll("dirlink"),
	}
	for _, a := range mayWork {
		_ = a.Apply(root)
	}
	after, err := Snapshot(outside, WithModTime())
	if err != nil {
		t.Fatal(err)
	}
	CheckTreesEqual(t, before, after)
	if _, err := os.Lstat(filepath.Join(root, "link")); !os.IsNotExist(err) {
		t.Errorf("Remove of a symlink left it: %v", err)
	}
}

func TestFixtureModesIgnoreUmask(t *testing.T) {
	old := unix.Umask(0o077)
	defer unix.Umask(old)
	_, tree := build(t,
		CreateFile("f", nil, 0o644),
		CreateFile("suid", nil, 0o755|os.ModeSetuid),
		CreateDir("sticky", 0o777|os.ModeSticky),
		CreateDir("sgid", 0o755|os.ModeSetgid),
		Mkfifo("fifo", 0o666),
		CreateFile("none", nil, 0),
		CreateFile("later", nil, 0o644),
		Chmod("later", 0o711|os.ModeSetgid),
	)
	want := map[string]uint32{"f": 0o644, "suid": 0o4755, "sticky": 0o1777, "sgid": 0o2755,
		"fifo": 0o666, "none": 0, "later": 0o2711}
	for p, mode := range want {
		if got := tree[p].Mode; got != mode {
			t.Errorf("%s: mode %04o, want %04o", p, got, mode)
		}
	}
}

func TestFixtureStepsMakeWhatTheySay(t *testing.T) {
	_, tree := build(t,
		CreateFile("f", []byte("hello"), 0o644),
		AppendFile("f", []byte(" world")),
		CreateDir("d", 0o750),
		CreateFile("d/old", []byte("o"), 0o644),
		Rename("d/old", "d/new"),
		Link("f", "d/hard"),
		Symlink("../f", "d/sym"),
		Mkfifo("fifo", 0o600),
		Mknod("sock", os.ModeSocket|0o755, 0, 0),
		CreateFile("gone", nil, 0o644),
		Remove("gone"),
		CreateDir("tree", 0o755),
		CreateFile("tree/x", nil, 0o644),
		RemoveAll("tree"),
		Chtimes("f", time.Unix(1, 0), time.Unix(2, 0)),
	)
	want := Tree{
		".":      {Type: TypeDir, Mode: 0o755},
		"f":      {Type: TypeFile, Mode: 0o644, Size: 11, LinkGroup: "d/hard"},
		"d":      {Type: TypeDir, Mode: 0o750},
		"d/new":  {Type: TypeFile, Mode: 0o644, Size: 1},
		"d/hard": {Type: TypeFile, Mode: 0o644, Size: 11, LinkGroup: "d/hard"},
		"d/sym":  {Type: TypeSymlink, Mode: 0o777, Target: "../f"},
		"fifo":   {Type: TypeFifo, Mode: 0o600},
		"sock":   {Type: TypeSocket, Mode: 0o755},
	}
	for p, w := range want {
		g := tree[p]
		w.UID, w.GID, w.Digest, w.Xattrs = g.UID, g.GID, g.Digest, g.Xattrs
		if w.Type == TypeFile && g.Digest == "" {
			t.Errorf("%s: no digest", p)
		}
		CheckTreesEqual(t, Tree{p: w}, Tree{p: g})
	}
	if len(tree) != len(want) {
		t.Errorf("tree has %d entries, want %d:\n%s", len(tree), len(want), tree)
	}
}

func TestRichFixtureCoversEveryKind(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := richFixture(t, root).Apply(root); err != nil {
		t.Fatal(err)
	}
	tree, err := Snapshot(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rich fixture:\n%s", tree)
	kinds := map[FileType]bool{}
	for _, e := range tree {
		kinds[e.Type] = true
	}
	for _, k := range []FileType{TypeDir, TypeFile, TypeSymlink, TypeFifo, TypeSocket} {
		if !kinds[k] {
			t.Errorf("no %s in the rich fixture", k)
		}
	}
	if tree["hl/one"].LinkGroup != "a/b/three" || tree["hl/two"].LinkGroup != "a/b/three" {
		t.Errorf("hardlink group of hl/one, hl/two = %q, %q; want a/b/three",
			tree["hl/one"].LinkGroup, tree["hl/two"].LinkGroup)
	}
	if tree["big"].Size <= 1<<20 || tree["tmp"].Mode != 0o1777 || tree["setuid"].Mode != 0o4755 {
		t.Errorf("big, tmp or setuid not as meant:\n%s", tree)
	}
	if privileged() && (tree["owned"].UID != 1234 || tree["owned-setuid"].Mode != 0o6755) {
		t.Errorf("owned or owned-setuid not as meant:\n%s", tree)
	}
}
