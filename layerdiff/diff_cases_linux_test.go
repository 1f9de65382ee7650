package layerdiff

import (
	"fmt"
	"time"

	"github.com/layerfs/graphdriver/internal/testsupport/ops"
)

// diffCase is a parent tree, the changes a layer makes to a copy of it,
// and what Changes and Diff must say.
type diffCase struct {
	name     string
	root     string // needs root, for this reason
	parent   []ops.Op
	noParent bool // diff against "" (parent must be empty)
	layer    []ops.Op
	changes  []string // Change.String()
	tar      []tarEntry
	// noRoundTrip says why the tar cannot rebuild the layer.
	noRoundTrip string
}

// twentyOne is a directory of 20 files of which the layer modifies 5,
// deletes 5 and to which it adds 10: 20 changes and one directory Modify.
func twentyOne() diffCase {
	c := diffCase{name: "21 changes in a directory of 20", parent: []ops.Op{ops.Mkdir("d", 0o755)}}
	c.changes = []string{"C /d"}
	c.tar = []tarEntry{dirE("d/", 0o755)}
	var modified, added []tarEntry
	for i := range 20 {
		name := fmt.Sprintf("d/f%02d", i)
		c.parent = append(c.parent, ops.File(name, "old "+name, 0o644))
		switch {
		case i < 5:
			c.layer = append(c.layer, ops.File(name, "new! "+name, 0o644))
			c.changes = append(c.changes, "C /"+name)
			modified = append(modified, regE(name, 0o644, "new! "+name))
		case i < 10:
			c.layer = append(c.layer, ops.Remove(name))
			c.changes = append(c.changes, "D /"+name)
			c.tar = append(c.tar, whE(fmt.Sprintf("d/.wh.f%02d", i)))
		}
	}
	c.tar = append(c.tar, modified...)
	for i := range 10 {
		name := fmt.Sprintf("d/g%02d", i)
		c.layer = append(c.layer, ops.File(name, "added "+name, 0o600))
		c.changes = append(c.changes, "A /"+name)
		added = append(added, regE(name, 0o600, "added "+name))
	}
	c.tar = append(c.tar, added...)
	return c
}

// diffCases is the table of cases, one literal each: long by nature.
func diffCases() []diffCase {
	return []diffCase{
		{
			name:    "add, modify and delete files",
			parent:  []ops.Op{ops.File("a", "a", 0o644), ops.File("b", "b", 0o644), ops.File("c", "c", 0o644)},
			layer:   []ops.Op{ops.File("b", "bb", 0o644), ops.Remove("c"), ops.File("d", "d", 0o600)},
			changes: []string{"C /b", "D /c", "A /d"},
			tar:     []tarEntry{whE(".wh.c"), regE("b", 0o644, "bb"), regE("d", 0o600, "d")},
		},
		{
			name: "a deleted subtree is one Delete",
			parent: []ops.Op{ops.Mkdir("x", 0o755), ops.Mkdir("x/y", 0o755), ops.File("x/y/z", "z", 0o644),
				ops.File("x/w", "w", 0o644), ops.File("keep", "k", 0o644)},
			layer:   []ops.Op{ops.Remove("x")},
			changes: []string{"D /x"},
			tar:     []tarEntry{whE(".wh.x")},
		},
		twentyOne(),
		{
			name:    "same-size rewrite under the same whole-second mtime: found by content",
			parent:  []ops.Op{ops.File("a", "hello", 0o644), ops.Mtime("a", ops.T0)},
			layer:   []ops.Op{ops.File("a", "HELLO", 0o644), ops.Mtime("a", ops.T0)},
			changes: []string{"C /a"},
			tar:     []tarEntry{regE("a", 0o644, "HELLO")},
		},
		{
			name:   "same content under the same whole-second mtime: unchanged",
			parent: []ops.Op{ops.File("a", "hello", 0o644), ops.Mtime("a", ops.T0)},
			layer:  []ops.Op{ops.File("a", "hello", 0o644), ops.Mtime("a", ops.T0)},
		},
		{
			// Rule 3 trusts a nanosecond mtime: this rewrite is not seen.
			name:        "same-size rewrite under the same nanosecond mtime: unchanged",
			parent:      []ops.Op{ops.File("a", "hello", 0o644), ops.Mtime("a", ops.T0.Add(5))},
			layer:       []ops.Op{ops.File("a", "HELLO", 0o644), ops.Mtime("a", ops.T0.Add(5))},
			noRoundTrip: "the layer differs from its parent in a way rule 3 does not see",
		},
		{
			name:    "chmod only, setuid and sticky kept",
			parent:  []ops.Op{ops.File("a", "a", 0o644), ops.Mkdir("d", 0o755), ops.File("d/x", "x", 0o644)},
			layer:   []ops.Op{ops.Chmod("a", 0o4711), ops.Chmod("d", 0o1777)},
			changes: []string{"C /a", "C /d"},
			tar:     []tarEntry{regE("a", 0o4711, "a"), dirE("d/", 0o1777)},
		},
		{
			name:    "chown only",
			root:    "chown to another user",
			parent:  []ops.Op{ops.File("a", "a", 0o644), ops.File("b", "b", 0o644)},
			layer:   []ops.Op{ops.Chown("a", 1000, 1001)},
			changes: []string{"C /a"},
			tar:     []tarEntry{regE("a", 0o644, "a").owner(1000, 1001)},
		},
		{
			name:    "xattr only",
			parent:  []ops.Op{ops.File("a", "a", 0o644), ops.File("b", "b", 0o644), ops.Setxattr("b", "user.k", "v1")},
			layer:   []ops.Op{ops.Setxattr("a", "user.new", "x"), ops.Setxattr("b", "user.k", "v2")},
			changes: []string{"C /a", "C /b"},
			tar: []tarEntry{regE("a", 0o644, "a").xattr("user.new", "x"),
				regE("b", 0o644, "b").xattr("user.k", "v2")},
		},
		{
			name:   "overlay xattrs are not changes",
			parent: []ops.Op{ops.File("a", "a", 0o644)},
			layer:  []ops.Op{ops.Setxattr("a", "user.overlay.opaque", "y")},
		},
		{
			name:   "trusted.overlay and security.selinux are not changes",
			root:   "set trusted.* and security.* xattrs",
			parent: []ops.Op{ops.File("a", "a", 0o644)},
			layer: []ops.Op{ops.Setxattr("a", "trusted.overlay.origin", "x"),
				ops.Setxattr("a", "security.selinux", "system_u:object_r:tmp_t:s0")},
		},
		{
			name:    "mtime only",
			parent:  []ops.Op{ops.File("a", "a", 0o644), ops.Mtime("a", ops.T0)},
			layer:   []ops.Op{ops.Mtime("a", ops.T0.Add(time.Second))},
			changes: []string{"C /a"},
			tar:     []tarEntry{regE("a", 0o644, "a")},
		},
		{
			name:    "symlink retarget, same length, same mtime",
			parent:  []ops.Op{ops.Symlink("l", "aaa"), ops.Mtime("l", ops.T0)},
			layer:   []ops.Op{ops.Remove("l"), ops.Symlink("l", "bbb"), ops.Mtime("l", ops.T0)},
			changes: []string{"C /l"},
			tar:     []tarEntry{symE("l", "bbb")},
		},
		{
			name:    "file to directory: its entries are Adds",
			parent:  []ops.Op{ops.File("a", "a", 0o644)},
			layer:   []ops.Op{ops.Remove("a"), ops.Mkdir("a", 0o755), ops.File("a/b", "b", 0o644)},
			changes: []string{"C /a", "A /a/b"},
			tar:     []tarEntry{dirE("a/", 0o755), regE("a/b", 0o644, "b")},
		},
		{
			name:    "directory to file: no Deletes for the old entries",
			parent:  []ops.Op{ops.Mkdir("d", 0o755), ops.File("d/x", "x", 0o644), ops.File("d/y", "y", 0o644)},
			layer:   []ops.Op{ops.Remove("d"), ops.File("d", "d", 0o644)},
			changes: []string{"C /d"},
			tar:     []tarEntry{regE("d", 0o644, "d")},
		},
		{
			name:    "symlink to file",
			parent:  []ops.Op{ops.Symlink("l", "t")},
			layer:   []ops.Op{ops.Remove("l"), ops.File("l", "now a file", 0o640)},
			changes: []string{"C /l"},
			tar:     []tarEntry{regE("l", 0o640, "now a file")},
		},
		{
			name:    "hardlink added to an unchanged lower file",
			parent:  []ops.Op{ops.File("a", "data", 0o644)},
			layer:   []ops.Op{ops.Hardlink("b", "a")},
			changes: []string{"C /a", "A /b"},
			tar:     []tarEntry{regE("a", 0o644, "data"), linkE("b", "a", 0o644)},
		},
		{
			name:    "two new hardlinks",
			layer:   []ops.Op{ops.File("n", "x", 0o644), ops.Hardlink("m1", "n"), ops.Hardlink("m2", "n")},
			changes: []string{"A /m1", "A /m2", "A /n"},
			tar:     []tarEntry{regE("m1", 0o644, "x"), linkE("m2", "m1", 0o644), linkE("n", "m1", 0o644)},
		},
		{
			name:    "one of two hardlinks deleted",
			parent:  []ops.Op{ops.File("a", "data", 0o644), ops.Hardlink("b", "a")},
			layer:   []ops.Op{ops.Remove("b")},
			changes: []string{"C /a", "D /b"},
			tar:     []tarEntry{whE(".wh.b"), regE("a", 0o644, "data")},
		},
		{
			name: "hardlink gone with a deleted directory",
			parent: []ops.Op{ops.Mkdir("d", 0o755), ops.File("d/a", "data", 0o644), ops.Mkdir("x", 0o755),
				ops.Mkdir("x/y", 0o755), ops.Hardlink("x/y/b", "d/a")},
			layer:   []ops.Op{ops.Remove("x")},
			changes: []string{"C /d", "C /d/a", "D /x"},
			tar:     []tarEntry{whE(".wh.x"), dirE("d/", 0o755), regE("d/a", 0o644, "data")},
		},
		{
			name:    "unchanged hardlinks are not changes",
			parent:  []ops.Op{ops.File("a", "data", 0o644), ops.Hardlink("b", "a")},
			layer:   []ops.Op{ops.File("c", "c", 0o644)},
			changes: []string{"A /c"},
			tar:     []tarEntry{regE("c", 0o644, "c")},
		},
		{
			name:    "modified hardlinked file: the second path is a link",
			parent:  []ops.Op{ops.File("a", "data", 0o644), ops.Hardlink("b", "a")},
			layer:   []ops.Op{ops.File("b", "more data", 0o644)},
			changes: []string{"C /a", "C /b"},
			tar:     []tarEntry{regE("a", 0o644, "more data"), linkE("b", "a", 0o644)},
		},
		{
			name: "whiteouts for deleted entries",
			parent: []ops.Op{ops.Mkdir("d", 0o755), ops.File("d/a", "a", 0o644), ops.File("d/b", "b", 0o644),
				ops.Mkdir("d/s", 0o755), ops.File("d/s/x", "x", 0o644)},
			layer:   []ops.Op{ops.Remove("d/a"), ops.Remove("d/s")},
			changes: []string{"C /d", "D /d/a", "D /d/s"},
			tar:     []tarEntry{dirE("d/", 0o755), whE("d/.wh.a"), whE("d/.wh.s")},
		},
		{
			name:    "directory removed and made again: opaque marker, no whiteouts",
			parent:  []ops.Op{ops.Mkdir("d", 0o755), ops.File("d/a", "a", 0o644), ops.File("d/b", "b", 0o644)},
			layer:   []ops.Op{ops.Remove("d"), ops.Mkdir("d", 0o755), ops.File("d/c", "c", 0o644)},
			changes: []string{"C /d", "D /d/a", "D /d/b", "A /d/c"},
			tar:     []tarEntry{dirE("d/", 0o755), whE("d/.wh..wh..opq"), regE("d/c", 0o644, "c")},
		},
		{
			name:    "directory emptied: opaque marker",
			parent:  []ops.Op{ops.Mkdir("d", 0o755), ops.File("d/a", "a", 0o644), ops.File("d/b", "b", 0o644)},
			layer:   []ops.Op{ops.Remove("d/a"), ops.Remove("d/b")},
			changes: []string{"C /d", "D /d/a", "D /d/b"},
			tar:     []tarEntry{dirE("d/", 0o755), whE("d/.wh..wh..opq")},
		},
		{
			name:    "one survivor: whiteouts",
			parent:  []ops.Op{ops.Mkdir("d", 0o755), ops.File("d/a", "a", 0o644), ops.File("d/b", "b", 0o644), ops.File("d/c", "c", 0o644)},
			layer:   []ops.Op{ops.Remove("d/a"), ops.Remove("d/b"), ops.File("d/n", "n", 0o644)},
			changes: []string{"C /d", "D /d/a", "D /d/b", "A /d/n"},
			tar:     []tarEntry{dirE("d/", 0o755), whE("d/.wh.a"), whE("d/.wh.b"), regE("d/n", 0o644, "n")},
		},
		{
			name:    "empty parent directory: no marker",
			parent:  []ops.Op{ops.Mkdir("d", 0o755)},
			layer:   []ops.Op{ops.File("d/x", "x", 0o644)},
			changes: []string{"C /d", "A /d/x"},
			tar:     []tarEntry{dirE("d/", 0o755), regE("d/x", 0o644, "x")},
		},
		{
			name:     "no parent: all Adds, no whiteouts",
			noParent: true,
			layer: []ops.Op{ops.Mkdir("d", 0o750), ops.File("d/f", "f", 0o644), ops.Symlink("l", "d/f"),
				ops.Mkdir("e", 0o755), ops.File(".hidden", "h", 0o600)},
			changes: []string{"A /.hidden", "A /d", "A /d/f", "A /e", "A /l"},
			tar: []tarEntry{regE(".hidden", 0o600, "h"), dirE("d/", 0o750), regE("d/f", 0o644, "f"),
				dirE("e/", 0o755), symE("l", "d/f")},
		},
		{
			name:    "root opaque: no name of the parent's root survives",
			parent:  []ops.Op{ops.File("a", "a", 0o644), ops.Mkdir("b", 0o755)},
			layer:   []ops.Op{ops.Remove("a"), ops.Remove("b"), ops.File("c", "c", 0o644)},
			changes: []string{"D /a", "D /b", "A /c"},
			tar:     []tarEntry{whE(".wh..wh..opq"), regE("c", 0o644, "c")},
		},
		{
			name:    "tar order: a directory's subtree before a longer sibling name",
			parent:  []ops.Op{ops.File("k", "k", 0o644), ops.File("z", "z", 0o644)},
			layer:   []ops.Op{ops.Remove("z"), ops.Mkdir("a", 0o755), ops.File("a/b", "b", 0o644), ops.File("a.b", "ab", 0o644)},
			changes: []string{"A /a", "A /a.b", "A /a/b", "D /z"},
			tar:     []tarEntry{whE(".wh.z"), dirE("a/", 0o755), regE("a/b", 0o644, "b"), regE("a.b", 0o644, "ab")},
		},
		{
			name:    "fifo",
			layer:   []ops.Op{ops.Mkfifo("p", 0o640)},
			changes: []string{"A /p"},
			tar:     []tarEntry{fifoE("p", 0o640)},
		},
		{
			name:    "char device",
			root:    "mknod",
			layer:   []ops.Op{ops.Mkchar("c", 0o620, 1, 3)},
			changes: []string{"A /c"},
			tar:     []tarEntry{charE("c", 0o620, 1, 3)},
		},
		{
			name:        "sockets are changes but not in the tar",
			layer:       []ops.Op{ops.Socket("s"), ops.File("f", "f", 0o644)},
			changes:     []string{"A /f", "A /s"},
			tar:         []tarEntry{regE("f", 0o644, "f")},
			noRoundTrip: "a tar cannot hold a socket",
		},
	}
}
