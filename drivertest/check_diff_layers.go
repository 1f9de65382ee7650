package drivertest

// checkWhiteoutsThreeLayers: A holds a, d/x, d/y, e/z; B deletes a and
// d/x and makes e opaque (removed, made again with e/new); C brings a
// back and makes d/x a directory. The views, Diffs and Changes of each
// are exact, and the three Diffs applied as a chain of image layers give
// the same views and Diffs again.
func checkWhiteoutsThreeLayers(h *harness) {
	h.dumpOnFailure("A", "B", "C")
	a := Apply(
		CreateFile("a", []byte("a\n"), 0o644),
		CreateDir("d", 0o755), CreateFile("d/x", []byte("x\n"), 0o644), CreateFile("d/y", []byte("y\n"), 0o644),
		CreateDir("e", 0o755), CreateFile("e/z", []byte("z\n"), 0o644),
		touch(baseTime, "a", "d/x", "d/y", "e/z", "d", "e"),
	)
	b := Apply(
		Remove("a"), Remove("d/x"), RemoveAll("e"), CreateDir("e", 0o755),
		CreateFile("e/new", []byte("new\n"), 0o644), touch(childTime, "e/new"), touch(dirTime, "d", "e"),
	)
	c := Apply(
		CreateFile("a", []byte("a again\n"), 0o644), CreateDir("d/x", 0o755),
		CreateFile("d/x/in", []byte("in\n"), 0o644), touch(childTime, "a", "d/x/in"), touch(laterTime, "d/x", "d"),
	)
	h.layer("A", "", a)
	h.layer("B", "A", b)
	h.layer("C", "B", c)
	h.requireTree("A", h.model(a), "A")
	h.requireTree("B", h.model(a, b), "B: a and d/x deleted, e opaque")
	h.requireTree("C", h.model(a, b, c), "C: a back, d/x a directory")

	h.expectTar(h.diffOf("B", ""), []tarItem{
		whiteoutItem("", "a"),
		dirItem("d", 0o755).at(dirTime), whiteoutItem("d", "x"),
		dirItem("e", 0o755).at(dirTime), opaqueItem("e"), fileItem("e/new", []byte("new\n"), 0o644).at(childTime),
	}, "Diff(B)")
	h.expectTar(h.diffOf("C", ""), []tarItem{
		fileItem("a", []byte("a again\n"), 0o644).at(childTime),
		dirItem("d", 0o755).at(laterTime), dirItem("d/x", 0o755).at(laterTime),
		fileItem("d/x/in", []byte("in\n"), 0o644).at(childTime),
	}, "Diff(C)")
	h.expectChanges(h.changes("B", ""), changeList("D /a", "C /d", "D /d/x", "C /e", "A /e/new", "D /e/z"), "Changes(B)")
	h.expectChanges(h.changes("C", ""), changeList("A /a", "C /d", "A /d/x", "A /d/x/in"), "Changes(C)")

	h.roundTrip("A", "", "A2")
	h.roundTrip("B", "A2", "B2")
	h.roundTrip("C", "B2", "C2")
}

// checkReplaceTypes: across a child, a file becomes a directory with
// children, a directory with a subtree becomes a file, a symlink becomes
// a file. Each is a Modify of the path; the new directory's children are
// Adds, the replaced directory's give no whiteouts.
func checkReplaceTypes(h *harness) {
	h.dumpOnFailure("base", "child")
	base := Apply(
		CreateFile("f2d", []byte("file\n"), 0o644),
		CreateDir("d2f", 0o755), CreateFile("d2f/child", []byte("child\n"), 0o644),
		CreateDir("d2f/sub", 0o755), CreateFile("d2f/sub/deep", []byte("deep\n"), 0o644),
		CreateFile("target", []byte("target\n"), 0o644), Symlink("target", "l2f"),
		touch(baseTime, "f2d", "d2f/child", "d2f/sub/deep", "target", "l2f", "d2f/sub", "d2f"),
	)
	child := Apply(
		Remove("f2d"), CreateDir("f2d", 0o755),
		CreateFile("f2d/c1", []byte("c1\n"), 0o644), CreateFile("f2d/c2", []byte("c2\n"), 0o644),
		RemoveAll("d2f"), CreateFile("d2f", []byte("now a file\n"), 0o644),
		Remove("l2f"), CreateFile("l2f", []byte("was a link\n"), 0o644),
		touch(childTime, "f2d/c1", "f2d/c2", "d2f", "l2f"), touch(dirTime, "f2d"),
	)
	h.layer("base", "", base)
	h.layer("child", "base", child)
	h.requireTree("child", h.model(base, child), "child after replacing types")
	h.requireTree("base", h.model(base), "base under the child")
	h.expectTar(h.diffOf("child", ""), []tarItem{
		fileItem("d2f", []byte("now a file\n"), 0o644).at(childTime),
		dirItem("f2d", 0o755).at(dirTime),
		fileItem("f2d/c1", []byte("c1\n"), 0o644).at(childTime),
		fileItem("f2d/c2", []byte("c2\n"), 0o644).at(childTime),
		fileItem("l2f", []byte("was a link\n"), 0o644).at(childTime),
	}, "Diff(child)")
	h.expectChanges(h.changes("child", ""), changeList("C /d2f", "C /f2d", "A /f2d/c1", "A /f2d/c2", "C /l2f"),
		"Changes(child)")
	h.roundTrip("child", "base", "copy")
}

// checkRenameLowerDir: a child renames a lower directory with nested
// content. Its diff deletes the old name and adds the whole tree under
// the new one; rename keeps modification times, so the entries carry the
// base's.
func checkRenameLowerDir(h *harness) {
	h.dumpOnFailure("base", "child")
	base := Apply(
		CreateDir("a", 0o750), CreateFile("a/f", []byte("f\n"), 0o644),
		CreateDir("a/sub", 0o755), CreateFile("a/sub/g", []byte("g\n"), 0o600),
		CreateDir("a/sub/deeper", 0o700), CreateFile("a/sub/deeper/h", []byte("h\n"), 0o644),
		CreateFile("other", []byte("other\n"), 0o644),
		touch(baseTime, "a/f", "a/sub/g", "a/sub/deeper/h", "other", "a/sub/deeper", "a/sub", "a"),
	)
	h.layer("base", "", base)
	h.layer("child", "base", Rename("a", "b"))
	h.requireTree("child", h.model(base, Rename("a", "b")), "child after renaming a to b")
	h.requireTree("base", h.model(base), "base under the child")
	h.expectTar(h.diffOf("child", ""), []tarItem{
		whiteoutItem("", "a"),
		dirItem("b", 0o750).at(baseTime),
		fileItem("b/f", []byte("f\n"), 0o644).at(baseTime),
		dirItem("b/sub", 0o755).at(baseTime),
		dirItem("b/sub/deeper", 0o700).at(baseTime),
		fileItem("b/sub/deeper/h", []byte("h\n"), 0o644).at(baseTime),
		fileItem("b/sub/g", []byte("g\n"), 0o600).at(baseTime),
	}, "Diff(child)")
	h.expectChanges(h.changes("child", ""), changeList("D /a", "A /b", "A /b/f", "A /b/sub",
		"A /b/sub/deeper", "A /b/sub/deeper/h", "A /b/sub/g"), "Changes(child)")
	h.roundTrip("child", "base", "copy")
}

// checkHardlinksDiff: a child links a new file into a new directory and
// links an unchanged lower file. Every path of a changed inode is in the
// diff, the first in tar order as the file, the later ones as links to
// it; the lower file is a Modify (its link group changed).
func checkHardlinksDiff(h *harness) {
	h.dumpOnFailure("base", "child")
	base := Apply(
		CreateFile("lower", []byte("lower\n"), 0o644), CreateFile("keep", []byte("keep\n"), 0o644),
		touch(baseTime, "lower", "keep"),
	)
	child := Apply(
		CreateFile("new", []byte("new\n"), 0o644), CreateDir("dir", 0o755),
		Link("new", "dir/new-link"), Link("lower", "lower-link"),
		touch(childTime, "new"), touch(dirTime, "dir"),
	)
	h.layer("base", "", base)
	h.layer("child", "base", child)
	h.requireTree("child", h.model(base, child), "child after linking")
	h.requireTree("base", h.model(base), "base under the child")
	first := fileItem("dir/new-link", []byte("new\n"), 0o644).at(childTime)
	lower := fileItem("lower", []byte("lower\n"), 0o644).at(baseTime)
	h.expectTar(h.diffOf("child", ""), []tarItem{
		dirItem("dir", 0o755).at(dirTime), first,
		lower, hardlinkItem("lower-link", lower),
		hardlinkItem("new", first),
	}, "Diff(child)")
	h.expectChanges(h.changes("child", ""), changeList("A /dir", "A /dir/new-link", "C /lower",
		"A /lower-link", "A /new"), "Changes(child)")
	h.roundTrip("child", "base", "copy")
}
