package drivertest

import (
	"archive/tar"
	"os"
	"slices"
	"testing"
)

// checkApplyRoundTrip applies the Diff of a child holding every kind of
// entry onto a new layer on the same parent: the two views are equal,
// times included, and so are the two Diffs, byte for byte.
func checkApplyRoundTrip(h *harness) {
	h.dumpOnFailure("base", "child", "applied")
	h.createRW("base", "")
	h.write("base",
		CreateFile("base-file", []byte("base\n"), 0o644), CreateFile("gone", []byte("gone\n"), 0o644),
		CreateDir("base-dir", 0o755), CreateFile("base-dir/x", []byte("x\n"), 0o644),
		CreateFile("base-dir/y", []byte("y\n"), 0o644),
	)
	h.createRW("child", "base")
	h.write("child", Remove("gone"), AppendFile("base-file", []byte("appended\n")), Remove("base-dir/x"))
	h.writeRich("child")

	first := h.diffOf("child", "")
	h.imageLayer("applied", "base", first)
	want := withoutSockets(h.treeWithTimes("child"))
	h.expectTree(want, h.treeWithTimes("applied"), "ApplyDiff(applied, base, Diff(child)) against child, sockets aside")
	h.expectSameTar(first, h.diffOf("applied", ""), "Diff(applied) against Diff(child)")
}

// withoutSockets drops sockets from tree: a tar cannot carry them.
func withoutSockets(tree Tree) Tree {
	for p, e := range tree {
		if e.Type == TypeSocket {
			delete(tree, p)
		}
	}
	return tree
}

// checkApplyCanonical applies tars written by hand in canonical form:
// the layer's Diff gives the same bytes back.
func checkApplyCanonical(h *harness) {
	cases := []struct {
		name string
		run  func(h *harness)
	}{
		{"plain", canonicalPlain},
		{"whiteouts", canonicalWhiteouts},
		{"hardlinks", canonicalHardlinks},
	}
	for _, c := range cases {
		h.t.Run(c.name, func(t *testing.T) { c.run(h.sub(t)) })
	}
}

// applyCanonical applies items as the tar of a new layer id on parent,
// checks the view against want and Diff(id) against the tar's bytes.
func (h *harness) applyCanonical(id, parent string, want Tree, items ...tarItem) {
	h.t.Helper()
	h.dumpOnFailure(parent, id)
	layerTar := buildTar(h.t, items...)
	h.imageLayer(id, parent, layerTar)
	h.expectTree(want, h.tree(id), "layer "+id+" made by ApplyDiff of a canonical tar")
	h.expectSameTar(layerTar, h.diffOf(id, ""), "Diff("+id+") against the canonical tar applied")
}

func canonicalPlain(h *harness) {
	parent := Apply(
		CreateDir("etc", 0o755), CreateFile("etc/base.conf", []byte("base\n"), 0o644),
		touch(baseTime, "etc/base.conf", "etc"),
	)
	h.createRW("plain-base", "")
	h.write("plain-base", parent)
	conf := fileItem("etc/conf", []byte("key=value\n"), 0o600)
	model := []Applier{
		parent,
		CreateDir("bin", 0o755), CreateFile("bin/tool", patterned(2000, 11), 0o755),
		CreateFile("etc/conf", []byte("key=value\n"), 0o600), CreateFile("readme", []byte("read me\n"), 0o444),
		Symlink("/bin/tool", "abs"), Symlink("bin/tool", "tool"), Mkfifo("pipe", 0o600),
		CreateFile("setgid", nil, 0o755|os.ModeSetgid), CreateDir("tmp", 0o777|os.ModeSticky),
	}
	if h.userXattrsWork() {
		conf = conf.xattr("user.k", "v")
		model = append(model, SetXattr("etc/conf", "user.k", []byte("v")))
	}
	items := []tarItem{
		symlinkItem("abs", "/bin/tool"),
		dirItem("bin", 0o755).at(childTime),
		fileItem("bin/tool", patterned(2000, 11), 0o755),
		dirItem("etc", 0o755).at(dirTime),
		conf,
		fifoItem("pipe", 0o600),
		fileItem("readme", []byte("read me\n"), 0o444).at(childTime),
		fileItem("setgid", nil, 0o2755),
		dirItem("tmp", 0o1777).at(childTime),
		symlinkItem("tool", "bin/tool").at(childTime),
	}
	items, model = withPrivilegedItems(h, items, model)
	h.applyCanonical("plain", "plain-base", h.model(model...), items...)
}

// withPrivilegedItems adds, as root, a char device and a file of another
// owner with setuid, in tar order after "bin/" and before "etc/", each as
// far as this root may make it.
func withPrivilegedItems(h *harness, items []tarItem, model []Applier) ([]tarItem, []Applier) {
	var extra []tarItem
	var steps []Applier
	if devices() {
		extra = append(extra, devItem(tar.TypeChar, "dev/null", 0o666, 1, 3))
		steps = append(steps, Mknod("dev/null", charDevice|0o666, 1, 3))
	} else {
		h.t.Logf("leaving out a device node: %s", noDevicesReason())
	}
	if privileged() {
		extra = append(extra, fileItem("dev/owned", []byte("owned\n"), 0o4755).owned(1234, 5678))
		steps = append(steps, CreateFile("dev/owned", []byte("owned\n"), 0o644), Chown("dev/owned", 1234, 5678),
			Chmod("dev/owned", 0o755|os.ModeSetuid))
	} else {
		h.t.Logf("leaving out a foreign owner: %s", notPrivilegedReason())
	}
	if len(extra) == 0 {
		return items, model
	}
	model = append(append(model, CreateDir("dev", 0o755)), steps...)
	return slices.Insert(items, 3, append([]tarItem{dirItem("dev", 0o755)}, extra...)...), model
}

// canonicalWhiteouts deletes a file and a subtree of the parent, one of
// two files in d, and all of opq, which gets a new file: whiteouts, and
// an opaque marker for opq.
func canonicalWhiteouts(h *harness) {
	parent := Apply(
		CreateFile("old", []byte("old\n"), 0o644),
		CreateDir("tree", 0o755), CreateFile("tree/t", []byte("t\n"), 0o644),
		CreateDir("d", 0o755), CreateFile("d/x", []byte("x\n"), 0o644), CreateFile("d/y", []byte("y\n"), 0o644),
		CreateDir("opq", 0o755), CreateFile("opq/a", []byte("a\n"), 0o644), CreateFile("opq/b", []byte("b\n"), 0o644),
		touch(baseTime, "old", "tree/t", "d/x", "d/y", "opq/a", "opq/b", "tree", "d", "opq"),
	)
	h.createRW("wh-base", "")
	h.write("wh-base", parent)
	want := h.model(parent, Remove("old"), RemoveAll("tree"), Remove("d/x"),
		RemoveAll("opq"), CreateDir("opq", 0o755), CreateFile("opq/new", []byte("new\n"), 0o644))
	h.applyCanonical("wh", "wh-base", want,
		whiteoutItem("", "old"),
		whiteoutItem("", "tree"),
		dirItem("d", 0o755).at(dirTime),
		whiteoutItem("d", "x"),
		dirItem("opq", 0o755).at(dirTime),
		opaqueItem("opq"),
		fileItem("opq/new", []byte("new\n"), 0o644),
	)
}

// canonicalHardlinks: three paths of one inode, the first a file, the
// others links to it carrying its metadata.
func canonicalHardlinks(h *harness) {
	h.createRW("hl-base", "")
	h.write("hl-base", CreateFile("lower", []byte("lower\n"), 0o644))
	f := fileItem("f", []byte("linked\n"), 0o640).at(childTime)
	model := []Applier{CreateFile("lower", []byte("lower\n"), 0o644), CreateFile("f", []byte("linked\n"), 0o640)}
	if h.userXattrsWork() {
		f = f.xattr("user.linked", "yes")
		model = append(model, SetXattr("f", "user.linked", []byte("yes")))
	}
	model = append(model, Link("f", "g"), CreateDir("sub", 0o755), Link("f", "sub/h"))
	h.applyCanonical("hl", "hl-base", h.model(model...),
		f, hardlinkItem("g", f), dirItem("sub", 0o755), hardlinkItem("sub/h", f))
}
