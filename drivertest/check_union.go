package drivertest

import "os"

// checkShadowing writes over lower files in a child: the child shows the
// new state, the lower stays as it was, a grandchild sees the child's.
func checkShadowing(h *harness) {
	h.dumpOnFailure("lower", "child", "grandchild")
	lower := Apply(
		CreateFile("a", []byte("lower a, longer than what replaces it\n"), 0o644),
		CreateDir("dir", 0o755),
		CreateFile("dir/b", []byte("lower b\n"), 0o644),
		CreateFile("dir/c", []byte("lower c\n"), 0o644),
	)
	h.createRW("lower", "")
	h.write("lower", lower)
	before := h.model(lower)
	h.requireTree("lower", before, "lower as written")

	h.createRW("child", "lower")
	h.requireTree("child", before, "new child of lower")
	changes := Apply(
		CreateFile("a", []byte("child a\n"), 0o644), // shorter: the old tail must go
		AppendFile("dir/b", []byte("appended by child\n")),
		Chmod("dir/c", 0o600),
		CreateFile("d", []byte("new in child\n"), 0o644),
	)
	after := h.model(lower, changes)
	dir := h.get("child")
	if err := changes.Apply(dir); err != nil {
		h.put("child")
		h.t.Fatalf("write into child: %v", err)
	}
	CheckTreesEqual(h.t, after, h.snapshot(dir))
	h.put("child")
	h.requireTree("child", after, "child after writes and Put")
	h.requireTree("lower", before, "lower after its child wrote over its files")

	h.create("grandchild", "child")
	h.requireTree("grandchild", after, "grandchild of the written child")
}

// checkDeletes removes lower entries in a child: they vanish from the
// child and its descendants, stay in the lower, and a directory made
// again over a removed one starts empty.
func checkDeletes(h *harness) {
	h.dumpOnFailure("lower", "child", "grandchild", "again", "in-place")
	lower := Apply(
		CreateFile("f", []byte("f\n"), 0o644),
		CreateDir("dir", 0o755),
		CreateFile("dir/g", []byte("g\n"), 0o644),
		CreateFile("dir/keep", []byte("keep\n"), 0o644),
		CreateDir("dir2", 0o755),
		CreateFile("dir2/x", []byte("x\n"), 0o644),
		CreateDir("dir2/sub", 0o755),
		CreateFile("dir2/sub/y", []byte("y\n"), 0o644),
	)
	deletes := Apply(Remove("f"), Remove("dir/g"), RemoveAll("dir2"))
	h.createRW("lower", "")
	h.write("lower", lower)
	before := h.model(lower)

	h.createRW("child", "lower")
	h.write("child", deletes)
	deleted := h.model(lower, deletes)
	h.requireTree("child", deleted, "child after deleting lower entries")
	h.requireTree("lower", before, "lower after its child deleted entries")
	h.create("grandchild", "child")
	h.requireTree("grandchild", deleted, "grandchild of the child that deleted entries")

	// Across layers: dir2 made again above the layer that removed it.
	recreate := CreateDir("dir2", 0o755)
	h.createRW("again", "child")
	h.write("again", recreate)
	h.requireTree("again", h.model(lower, deletes, recreate), "dir2 made again in a later layer")

	// In one layer: removed and made again before the Put.
	inPlace := Apply(
		RemoveAll("dir2"), CreateDir("dir2", 0o755), CreateFile("dir2/new", []byte("new\n"), 0o644),
		Remove("f"), CreateFile("f", []byte("f again\n"), os.FileMode(0o600)),
	)
	h.createRW("in-place", "lower")
	h.write("in-place", inPlace)
	h.requireTree("in-place", h.model(lower, inPlace), "dir2 and f removed and made again in one layer")
	h.create("in-place-child", "in-place")
	h.requireTree("in-place-child", h.model(lower, inPlace), "child of in-place")
}
