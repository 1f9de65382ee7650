package drivertest

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
)

// Changes lists absolute paths sorted as strings, as Docker sorts them
// ("/fresh-x" before "/fresh/a", unlike the tar order), with the kinds
// of the canonical diff: a directory in both trees is a Modify when
// anything below it changed, a removed subtree is one Delete, the root is
// never listed, and against an empty parent everything is an Add.

// checkChangesExact checks two change lists entry by entry.
func checkChangesExact(h *harness) {
	h.t.Run("twenty-one", func(t *testing.T) { changesTwentyOne(h.sub(t)) })
	h.t.Run("subtree", func(t *testing.T) { changesSubtree(h.sub(t)) })
}

// changesTwentyOne: a child of a directory of 20 files modifies 7,
// deletes 6 and adds 7: 20 changes, plus a Modify of the directory.
func changesTwentyOne(h *harness) {
	h.dumpOnFailure("twenty", "twenty-child")
	base := []Applier{CreateDir("d", 0o755)}
	for i := range 20 {
		name := fmt.Sprintf("d/f%02d", i)
		base = append(base, CreateFile(name, []byte(name+"\n"), 0o644), touch(baseTime, name))
	}
	var child []Applier
	want := []string{"C /d"}
	for i := range 7 {
		name := fmt.Sprintf("d/f%02d", i)
		child = append(child, CreateFile(name, []byte("modified "+name+"\n"), 0o644))
		want = append(want, "C /"+name)
	}
	for i := 7; i < 13; i++ {
		name := fmt.Sprintf("d/f%02d", i)
		child = append(child, Remove(name))
		want = append(want, "D /"+name)
	}
	for i := range 7 {
		name := fmt.Sprintf("d/g%02d", i)
		child = append(child, CreateFile(name, []byte(name+"\n"), 0o644))
		want = append(want, "A /"+name)
	}
	h.createRW("twenty", "")
	h.write("twenty", base...)
	h.createRW("twenty-child", "twenty")
	h.write("twenty-child", child...)
	h.expectChangesBoth("twenty-child", "twenty", changeList(want...))
}

// changesSubtree: a removed subtree is one Delete; a new directory and
// everything in it are Adds.
func changesSubtree(h *harness) {
	h.dumpOnFailure("subtree", "subtree-child")
	h.createRW("subtree", "")
	h.write("subtree",
		CreateDir("gone", 0o755), CreateFile("gone/x", []byte("x\n"), 0o644),
		CreateDir("gone/sub", 0o755), CreateFile("gone/sub/y", []byte("y\n"), 0o644),
		CreateFile("keep", []byte("keep\n"), 0o644),
	)
	h.createRW("subtree-child", "subtree")
	h.write("subtree-child",
		RemoveAll("gone"),
		CreateDir("fresh", 0o755), CreateFile("fresh/a", []byte("a\n"), 0o644),
		CreateDir("fresh/sub", 0o755), CreateFile("fresh/sub/b", []byte("b\n"), 0o644),
		CreateFile("fresh-x", []byte("x\n"), 0o644),
	)
	h.expectChangesBoth("subtree-child", "subtree", changeList(
		"A /fresh", "A /fresh-x", "A /fresh/a", "A /fresh/sub", "A /fresh/sub/b", "D /gone"))
}

// expectChangesBoth checks Changes of id against its parent, named and
// as "".
func (h *harness) expectChangesBoth(id, parent string, want []graphdriver.Change) {
	h.t.Helper()
	h.expectChanges(h.changes(id, ""), want, fmt.Sprintf("Changes(%q, \"\")", id))
	h.expectChanges(h.changes(id, parent), want, fmt.Sprintf("Changes(%q, %q)", id, parent))
}

// checkChangesParentEmpty: parent "" means the layer's own parent, and a
// base layer's is the empty tree, so all its paths are Adds; for a
// layer made with fixtures and for one made with ApplyDiff.
func checkChangesParentEmpty(h *harness) {
	h.dumpOnFailure("base", "image")
	want := changeList("A /bin", "A /bin/sh", "A /etc", "A /etc/hosts", "A /etc/ssl",
		"A /etc/ssl/cert", "A /sh")
	h.createRW("base", "")
	h.write("base",
		CreateDir("etc", 0o755), CreateFile("etc/hosts", []byte("127.0.0.1 localhost\n"), 0o644),
		CreateDir("etc/ssl", 0o755), CreateFile("etc/ssl/cert", []byte("cert\n"), 0o600),
		CreateDir("bin", 0o755), CreateFile("bin/sh", []byte("#!\n"), 0o755), Symlink("bin/sh", "sh"),
	)
	h.expectChanges(h.changes("base", ""), want, `Changes("base", "") of a base layer`)

	h.imageLayer("image", "", buildTar(h.t,
		dirItem("bin", 0o755), fileItem("bin/sh", []byte("#!\n"), 0o755),
		dirItem("etc", 0o755), fileItem("etc/hosts", []byte("127.0.0.1 localhost\n"), 0o644),
		dirItem("etc/ssl", 0o755), fileItem("etc/ssl/cert", []byte("cert\n"), 0o600),
		symlinkItem("sh", "bin/sh"),
	))
	h.expectChanges(h.changes("image", ""), want, `Changes("image", "") of a base layer made by ApplyDiff`)
}

// checkDiffSizeExact: DiffSize is the regular file content of the diff,
// a hardlinked inode counted once; it matches the sizes of the changed
// files in the child's view and the content of Diff's tar.
func checkDiffSizeExact(h *harness) {
	h.dumpOnFailure("base", "child")
	h.createRW("base", "")
	h.write("base",
		CreateFile("old", patterned(100, 1), 0o644), CreateFile("keep", patterned(50, 2), 0o644),
		CreateFile("lower", patterned(70, 3), 0o644), CreateFile("gone", patterned(500, 4), 0o644),
	)
	if got := h.diffSize("base", ""); got != 720 {
		h.t.Errorf(`DiffSize("base", "") = %d, want 720 (four files of 100, 50, 70 and 500 bytes)`, got)
	}
	h.createRW("child", "base")
	h.write("child",
		CreateFile("small", patterned(10, 5), 0o644), CreateFile("page", patterned(4096, 6), 0o644),
		CreateFile("big", patterned(mib+mib/2+7, 7), 0o644), CreateFile("old", patterned(300, 8), 0o644),
		CreateFile("pair", patterned(1000, 9), 0o644), Link("pair", "pair2"), Link("lower", "lower-link"),
		Remove("gone"), Symlink("keep", "link"), CreateDir("dir", 0o755), Mkfifo("dir/fifo", 0o644),
	)
	// small + page + big + old + pair (once) + lower (once: its link
	// group changed, so lower and lower-link are both in the diff).
	want := int64(10 + 4096 + mib + mib/2 + 7 + 300 + 1000 + 70)
	for _, parent := range []string{"", "base"} {
		if got := h.diffSize("child", parent); got != want {
			h.t.Errorf("DiffSize(child, %q) = %d, want %d", parent, got, want)
		}
	}
	if got := h.changedContent("child"); got != want {
		h.t.Errorf("the regular files Changes(child) lists hold %d bytes (links once), DiffSize wants %d", got, want)
	}
	if got := h.contentBytes(h.diffOf("child", "")); got != want {
		h.t.Errorf("the file entries of Diff(child) hold %d bytes, DiffSize wants %d", got, want)
	}
}

// changedContent sums the sizes of the regular files Changes(id, "")
// lists as added or modified, in id's view, each inode once.
func (h *harness) changedContent(id string) int64 {
	h.t.Helper()
	changes := h.changes(id, "")
	dir := h.get(id)
	defer h.put(id)
	seen := map[fileID]bool{}
	var sum int64
	for _, c := range changes {
		if c.Kind == graphdriver.ChangeDelete {
			continue
		}
		e, ino, err := statEntry(filepath.Join(dir, c.Path), snapshotConfig{})
		if err != nil {
			h.t.Fatalf("%s listed by Changes(%q): %v", c, id, err)
		}
		if e.Type == TypeFile && !seen[ino] {
			seen[ino] = true
			sum += e.Size
		}
	}
	return sum
}
