//go:build linux

package drivertest

import (
	"os"
	"strings"
	"testing"
	"time"
)

func base() Applier {
	return Apply(
		CreateFile("f", []byte("content"), 0o644),
		CreateDir("d", 0o755),
		CreateFile("d/g", []byte("g"), 0o644),
		Symlink("f", "link"),
		CreateFile("h1", []byte("same"), 0o644),
		CreateFile("h2", []byte("same"), 0o644),
	)
}

// TestDiffTreesFindsEachKind changes one thing on top of the same base
// and expects exactly the diff line naming it.
func TestDiffTreesFindsEachKind(t *testing.T) {
	cases := []struct {
		name   string
		root   bool // needs root
		xattr  bool // needs user xattrs
		change Applier
		want   string
	}{
		{"mode", false, false, Chmod("f", 0o600), "f: mode 0644 != 0600"},
		{"setuid", false, false, Chmod("f", 0o644|os.ModeSetuid), "f: mode 0644 != 4644"},
		{"sticky", false, false, Chmod("d", 0o755|os.ModeSticky), "d: mode 0755 != 1755"},
		{"content same size", false, false, CreateFile("f", []byte("CONTENT"), 0o644), "f: content sha256:"},
		{"size", false, false, AppendFile("f", []byte("!")), "(7 bytes) != sha256:"},
		{"symlink target", false, false, Apply(Remove("link"), Symlink("d/g", "link")), `link: symlink target "f" != "d/g"`},
		{"type", false, false, Apply(Remove("f"), CreateDir("f", 0o644)), "f: type file != dir"},
		{"missing", false, false, Remove("d/g"), "d/g: missing (want -rw-r--r--"},
		{"unexpected", false, false, Mkfifo("d/p", 0o600), "d/p: unexpected prw-------"},
		{"hardlink", false, false, Apply(Remove("h2"), Link("h1", "h2")), "h1: hardlink group (none) != h1"},
		{"xattr added", false, true, SetXattr("f", "user.k", []byte("v")), `f: xattr user.k unexpected ("v")`},
		{"owner", true, false, Chown("f", 1, 2), "f: owner 0:0 != 1:2"},
		{"device", true, false, Mknod("dev", charDevice|0o600, 1, 3), "dev: unexpected crw-------"},
	}
	_, want := build(t, base())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.root {
				skipUnlessRoot(t, c.name)
			}
			if c.xattr {
				skipUnlessUserXattrs(t)
			}
			_, got := build(t, base(), c.change)
			diff := DiffTrees(want, got)
			if len(diff) == 0 || !strings.Contains(strings.Join(diff, "\n"), c.want) {
				t.Errorf("diff = %q, want a line containing %q", diff, c.want)
			}
			if ok := DiffTrees(got, got); len(ok) != 0 {
				t.Errorf("a tree differs from itself: %q", ok)
			}
		})
	}
}

func skipUnlessUserXattrs(t *testing.T) {
	t.Helper()
	if err := probe(t.TempDir(), userXattrProbe); err != nil {
		t.Skipf("the filesystem of TMPDIR refuses user.* xattrs: %v", err)
	}
}

func TestDiffTreesXattrValues(t *testing.T) {
	skipUnlessUserXattrs(t)
	_, want := build(t, base(), SetXattr("f", "user.a", []byte("1")), SetXattr("f", "user.b", []byte("2")))
	_, got := build(t, base(), SetXattr("f", "user.a", []byte("one")), SetXattr("f", "user.c", []byte("3")))
	diff := strings.Join(DiffTrees(want, got), "\n")
	for _, line := range []string{`f: xattr user.a "1" != "one"`, `f: xattr user.b missing (want "2")`, `f: xattr user.c unexpected ("3")`} {
		if !strings.Contains(diff, line) {
			t.Errorf("diff lacks %q:\n%s", line, diff)
		}
	}
}

// TestDiffTreesNoFalseDifferences builds the rich fixture twice, with
// different inode numbers and link creation orders, and ignored xattrs on
// one side only.
func TestDiffTreesNoFalseDifferences(t *testing.T) {
	dir := t.TempDir()
	_, want := build(t, richFixture(t, dir), CreateFile("x", nil, 0o644), Link("x", "y"))
	extra := []Applier{CreateFile("y", nil, 0o644), Link("y", "x")}
	if probe(dir, SetXattr(probeName, "user.overlay.opaque", []byte("y"))) == nil {
		extra = append(extra, SetXattr("a", "user.overlay.opaque", []byte("y")))
	}
	_, got := build(t, append([]Applier{richFixture(t, dir)}, extra...)...)
	CheckTreesEqual(t, want, got)
}

func TestSnapshotModTimeOnlyWhenAsked(t *testing.T) {
	a, _ := build(t, CreateFile("f", nil, 0o644), Chtimes("f", time.Unix(10, 0), time.Unix(10, 0)))
	b, _ := build(t, CreateFile("f", nil, 0o644), Chtimes("f", time.Unix(10, 0), time.Unix(20, 0)))
	snap := func(root string, opts ...SnapshotOption) Tree {
		tree, err := Snapshot(root, opts...)
		if err != nil {
			t.Fatal(err)
		}
		delete(tree, ".") // the roots' own times differ
		return tree
	}
	if diff := DiffTrees(snap(a), snap(b)); len(diff) != 0 {
		t.Errorf("mtime compared without WithModTime: %q", diff)
	}
	diff := DiffTrees(snap(a, WithModTime()), snap(b, WithModTime()))
	if len(diff) != 1 || !strings.HasPrefix(diff[0], "f: mtime 1970-01-01T00:00:10Z != 1970-01-01T00:00:20Z") {
		t.Errorf("diff with WithModTime = %q", diff)
	}
}

func TestTreeString(t *testing.T) {
	tree := Tree{
		".":      {Type: TypeDir, Mode: 0o755},
		"tmp":    {Type: TypeDir, Mode: 0o1777},
		"bin/su": {Type: TypeFile, Mode: 0o4755, Size: 3, Digest: "0123456789abcdef", LinkGroup: "bin/su"},
		"noexec": {Type: TypeFile, Mode: 0o6644, UID: 1234, GID: 5678},
		"link":   {Type: TypeSymlink, Mode: 0o777, Target: "/etc/hosts"},
		"null":   {Type: TypeChar, Mode: 0o666, Major: 1, Minor: 3},
		"x":      {Type: TypeFile, Mode: 0o644, Xattrs: []Xattr{{"user.a", "b\x00"}}},
	}
	want := []string{
		"drwxr-xr-x     0:0             - .",
		"-rwsr-xr-x     0:0             3 bin/su  sha256:0123456789ab  link=bin/su",
		"lrwxrwxrwx     0:0             - link  -> /etc/hosts",
		"-rwSr-Sr--  1234:5678          0 noexec  sha256:",
		"crw-rw-rw-     0:0           1,3 null",
		"drwxrwxrwt     0:0             - tmp",
		`-rw-r--r--     0:0             0 x  sha256:  user.a="b\x00"`,
	}
	got := strings.Split(strings.TrimSuffix(tree.String(), "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("String() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := (Tree{}).String(); s != "(empty tree)\n" {
		t.Errorf("empty tree = %q", s)
	}
}
