package drivertest

import (
	"archive/tar"
	"fmt"
	"os"
	"slices"
)

// crossTarStack: three image layers made only with Create and ApplyDiff
// of tars built here. tar1 holds every kind of entry, tar2 whites out a
// file and a subtree, makes a directory opaque and adds files, tar3
// replaces a file by a directory, a directory by a file and a symlink by
// a directory. Every layer agrees across backends.
func crossTarStack(c *cross) {
	for _, id := range c.buildTarStack("tar") {
		c.compareLayer(id)
	}
}

// crossRWStack: the same kinds of states written through Get of
// read-write layers: rw1 like tar1; rw2 removes a lower file, removes and
// makes again a directory (opaque), renames a lower directory (mv after
// EXDEV on overlayfs), hardlinks a lower file, chmods, chowns (root) and
// sets an xattr; rw3 replaces types. Every modification time is set
// after the writes, directories deepest first, so the states are the
// same on every backend.
func crossRWStack(c *cross) {
	for _, id := range c.buildRWStack("rw") {
		c.compareLayer(id)
	}
}

// crossInterchange builds both stacks on every backend, then applies
// each backend's Diffs, layer by layer, on every other backend as image
// layers on its own copy of the parent chain: the copy shows the same
// view as the source layer and gives the same Diff, byte for byte (and
// the same Changes and DiffSize).
func crossInterchange(c *cross) {
	chains := [][]string{c.buildTarStack("tar"), c.buildRWStack("rw")}
	for _, from := range c.sides {
		for _, to := range c.sides {
			if from.name == to.name {
				continue
			}
			for _, chain := range chains {
				c.interchange(from, to, chain)
			}
		}
	}
}

// interchange copies the chain ids (each the parent of the next, the
// first on "") from one backend to another through Diff and ApplyDiff
// and compares each copy with its source.
func (c *cross) interchange(from, to side, ids []string) {
	c.t.Helper()
	parent := ""
	for _, id := range ids {
		copyID := fmt.Sprintf("%s-from-%s", id, from.name)
		to.dumpOnFailure(copyID)
		want := from.observe(id)
		to.imageLayer(copyID, parent, want.diff)
		c.agree(want, to.observe(copyID), from.name, to.name,
			fmt.Sprintf("layer %s of %s applied on %s as %s", id, from.name, to.name, copyID))
		parent = copyID
	}
}

// buildTarStack makes the tar stack as layers prefix1..prefix3 on every
// backend and returns their ids, parent first.
func (c *cross) buildTarStack(prefix string) []string {
	c.t.Helper()
	xattrs := c.userXattrsWork()
	layers := [][]tarItem{tarStackBase(c, xattrs), tarStackChild(), tarStackGrandchild()}
	return c.buildChain(prefix, len(layers), func(s side, id, parent string, i int) {
		s.imageLayer(id, parent, buildTar(c.t, layers[i]...))
	})
}

// buildRWStack makes the read-write stack as layers prefix1..prefix3 on
// every backend and returns their ids, parent first.
func (c *cross) buildRWStack(prefix string) []string {
	c.t.Helper()
	xattrs := c.userXattrsWork()
	layers := []Applier{rwStackBase(c, xattrs), rwStackChild(c, xattrs), rwStackGrandchild()}
	return c.buildChain(prefix, len(layers), func(s side, id, parent string, i int) {
		s.layer(id, parent, layers[i])
	})
}

// buildChain makes n layers prefix1..prefixN, each on the one before,
// with build, on every backend.
func (c *cross) buildChain(prefix string, n int, build func(s side, id, parent string, i int)) []string {
	c.t.Helper()
	var ids []string
	parent := ""
	for i := range n {
		id := fmt.Sprintf("%s%d", prefix, i+1)
		c.each(func(s side) { build(s, id, parent, i) })
		ids = append(ids, id)
		parent = id
	}
	c.dumpOnFailure(ids...)
	return ids
}

// tarStackBase is the first tar: directories, files, absolute and
// relative symlinks, a hardlink across directories, a fifo, setuid, a
// sticky directory, user.* xattrs where every backend takes them, and as
// root a foreign owner and a device node. Entries are in canonical order.
func tarStackBase(c *cross, xattrs bool) []tarItem {
	sh := fileItem("bin/sh", patterned(3000, 21), 0o755).at(baseTime)
	hosts := fileItem("etc/hosts", []byte("127.0.0.1 localhost\n"), 0o644).at(baseTime)
	if xattrs {
		sh = sh.xattr("user.linked", "all links")
		hosts = hosts.xattr("user.origin", "base")
	}
	items := []tarItem{
		dirItem("bin", 0o755).at(baseTime), sh, fileItem("bin/su", []byte("su\n"), 0o4755),
		dirItem("d2f", 0o755), fileItem("d2f/child", []byte("child\n"), 0o644),
		dirItem("d2f/sub", 0o700), fileItem("d2f/sub/deep", []byte("deep\n"), 0o600),
		dirItem("etc", 0o755), hosts, symlinkItem("etc/localtime", "/usr/share/zoneinfo/UTC"),
		fileItem("etc/passwd", []byte("root:x:0:0::/root:/bin/sh\n"), 0o644),
		fileItem("f2d", []byte("file\n"), 0o644),
		dirItem("gone-dir", 0o755), fileItem("gone-dir/a", []byte("a\n"), 0o644),
		dirItem("gone-dir/sub", 0o755), fileItem("gone-dir/sub/b", []byte("b\n"), 0o644),
		fileItem("gone-file", []byte("gone\n"), 0o644),
		symlinkItem("lib", "usr/lib").at(baseTime),
		dirItem("opq", 0o755), fileItem("opq/a", []byte("a\n"), 0o644), fileItem("opq/b", []byte("b\n"), 0o644),
		dirItem("run", 0o755), fifoItem("run/pipe", 0o600),
		dirItem("sbin", 0o755), hardlinkItem("sbin/sh", sh),
		dirItem("tmp", 0o1777),
		dirItem("usr", 0o755), dirItem("usr/lib", 0o755), fileItem("usr/lib/libc.so", patterned(5000, 3), 0o755),
	}
	if !devices() && !privileged() {
		c.t.Logf("tar stack: leaving out a device node (%s) and a foreign owner (%s)", noDevicesReason(), notPrivilegedReason())
		return items
	}
	items = append(items, dirItem("dev", 0o755))
	if devices() {
		items = append(items, devItem(tar.TypeChar, "dev/null", 0o666, 1, 3))
	} else {
		c.t.Logf("tar stack: leaving out a device node: %s", noDevicesReason())
	}
	if privileged() {
		items = append(items, fileItem("dev/owned", []byte("owned\n"), 0o4755).owned(1234, 5678))
	} else {
		c.t.Logf("tar stack: leaving out a foreign owner: %s", notPrivilegedReason())
	}
	return items
}

// tarStackChild whites out a file and a subtree, deletes a file in etc,
// makes opq opaque with a new file, and adds and changes files.
func tarStackChild() []tarItem {
	return []tarItem{
		whiteoutItem("", "gone-dir"), whiteoutItem("", "gone-file"),
		fileItem("added", []byte("added\n"), 0o640).at(childTime),
		dirItem("etc", 0o755).at(dirTime), whiteoutItem("etc", "passwd"),
		fileItem("etc/hosts", []byte("127.0.0.1 localhost\n::1 localhost\n"), 0o644).at(childTime),
		fileItem("etc/new.conf", []byte("k=v\n"), 0o600).at(childTime),
		dirItem("newdir", 0o750).at(dirTime), fileItem("newdir/f", patterned(2000, 5), 0o644).at(childTime),
		dirItem("opq", 0o755).at(dirTime), opaqueItem("opq"),
		fileItem("opq/new", []byte("new\n"), 0o644).at(childTime),
	}
}

// tarStackGrandchild replaces the directory d2f (with a subtree) by a
// file, the file f2d by a directory and the symlink lib by a directory.
func tarStackGrandchild() []tarItem {
	return []tarItem{
		fileItem("d2f", []byte("now a file\n"), 0o644).at(childTime),
		dirItem("f2d", 0o755).at(laterTime), fileItem("f2d/c1", []byte("c1\n"), 0o644).at(childTime),
		dirItem("lib", 0o755).at(laterTime), fileItem("lib/x", []byte("x\n"), 0o644).at(childTime),
	}
}

// rwStackBase is the first read-write layer, like tarStackBase.
func rwStackBase(c *cross, xattrs bool) Applier {
	steps := []Applier{
		CreateDir("bin", 0o755), CreateFile("bin/sh", patterned(3000, 21), 0o755),
		CreateFile("bin/su", []byte("su\n"), 0o755|os.ModeSetuid),
		CreateDir("etc", 0o755), CreateFile("etc/hosts", []byte("127.0.0.1 localhost\n"), 0o644),
		CreateFile("etc/passwd", []byte("root:x:0:0::/root:/bin/sh\n"), 0o644),
		Symlink("/usr/share/zoneinfo/UTC", "etc/localtime"),
		CreateFile("gone-file", []byte("gone\n"), 0o644),
		CreateDir("gone-dir", 0o755), CreateFile("gone-dir/a", []byte("a\n"), 0o644),
		CreateDir("gone-dir/sub", 0o755), CreateFile("gone-dir/sub/b", []byte("b\n"), 0o644),
		CreateDir("opq", 0o755), CreateFile("opq/a", []byte("a\n"), 0o644), CreateFile("opq/b", []byte("b\n"), 0o644),
		CreateDir("mv", 0o750), CreateFile("mv/f", []byte("f\n"), 0o644),
		CreateDir("mv/sub", 0o700), CreateFile("mv/sub/g", []byte("g\n"), 0o600),
		CreateFile("linked", []byte("linked\n"), 0o644), CreateFile("chmod-me", []byte("chmod\n"), 0o644),
		CreateFile("chown-me", []byte("chown\n"), 0o644), CreateFile("xattr-me", []byte("xattr\n"), 0o644),
		CreateDir("run", 0o755), Mkfifo("run/pipe", 0o600),
		CreateDir("sbin", 0o755), Link("bin/sh", "sbin/sh"),
		CreateDir("usr", 0o755), CreateDir("usr/lib", 0o755), Symlink("usr/lib", "lib"),
		CreateFile("usr/lib/libc.so", patterned(5000, 3), 0o755),
		CreateDir("tmp", 0o777|os.ModeSticky),
		CreateFile("f2d", []byte("file\n"), 0o644),
		CreateDir("d2f", 0o755), CreateFile("d2f/child", []byte("child\n"), 0o644),
		CreateDir("d2f/sub", 0o700), CreateFile("d2f/sub/deep", []byte("deep\n"), 0o600),
	}
	if xattrs {
		steps = append(steps, SetXattr("etc/hosts", "user.origin", []byte("base")),
			SetXattr("bin/sh", "user.linked", []byte("all links")))
	}
	return Apply(append(steps, rwStackPrivileged(c),
		touch(baseTime, "bin/sh", "bin/su", "etc/hosts", "etc/passwd", "etc/localtime", "gone-file",
			"gone-dir/a", "gone-dir/sub/b", "opq/a", "opq/b", "mv/f", "mv/sub/g", "linked", "chmod-me",
			"chown-me", "xattr-me", "run/pipe", "lib", "usr/lib/libc.so", "f2d", "d2f/child", "d2f/sub/deep"),
		touch(baseTime, "bin", "etc", "gone-dir/sub", "gone-dir", "opq", "mv/sub", "mv", "run", "sbin",
			"usr/lib", "usr", "tmp", "d2f/sub", "d2f"),
	)...)
}

// rwStackPrivileged is, as root, a device node and a setuid file of a
// foreign owner (chown clears setuid, so the mode comes after it).
func rwStackPrivileged(c *cross) Applier {
	if !devices() && !privileged() {
		c.t.Logf("read-write stack: leaving out a device node (%s) and a foreign owner (%s)", noDevicesReason(), notPrivilegedReason())
		return Apply()
	}
	steps := []Applier{CreateDir("dev", 0o755)}
	made := []string{"dev"}
	if devices() {
		steps, made = append(steps, Mknod("dev/null", charDevice|0o666, 1, 3)), append(made, "dev/null")
	} else {
		c.t.Logf("read-write stack: leaving out a device node: %s", noDevicesReason())
	}
	if privileged() {
		steps = append(steps, CreateFile("dev/owned", []byte("owned\n"), 0o755), Chown("dev/owned", 1234, 5678),
			Chmod("dev/owned", 0o755|os.ModeSetuid))
		made = append(made, "dev/owned")
	} else {
		c.t.Logf("read-write stack: leaving out a foreign owner: %s", notPrivilegedReason())
	}
	// dev last: making its children changed its times.
	slices.Reverse(made)
	return Apply(append(steps, touch(baseTime, made...))...)
}

// rwStackChild removes, makes opaque, renames, links, chmods, chowns and
// sets an xattr, then sets the times of what it wrote.
func rwStackChild(c *cross, xattrs bool) Applier {
	steps := []Applier{
		Remove("gone-file"), RemoveAll("gone-dir"),
		RemoveAll("opq"), CreateDir("opq", 0o755), CreateFile("opq/new", []byte("new\n"), 0o644),
		Rename("mv", "moved"),
		Link("linked", "linked-too"),
		Chmod("chmod-me", 0o600),
		Remove("etc/passwd"),
		CreateFile("etc/hosts", []byte("127.0.0.1 localhost\n::1 localhost\n"), 0o644),
		CreateFile("added", []byte("added\n"), 0o640),
	}
	if privileged() {
		steps = append(steps, Chown("chown-me", 1234, 5678))
	} else {
		c.t.Logf("read-write stack: leaving out a chown: %s", notPrivilegedReason())
	}
	if xattrs {
		steps = append(steps, SetXattr("xattr-me", "user.k", []byte("v")))
	}
	return Apply(append(steps,
		touch(childTime, "opq/new", "etc/hosts", "added", "moved/f", "moved/sub/g"),
		touch(dirTime, "moved/sub", "moved", "opq", "etc"),
	)...)
}

// rwStackGrandchild replaces types as tarStackGrandchild does.
func rwStackGrandchild() Applier {
	return Apply(
		RemoveAll("d2f"), CreateFile("d2f", []byte("now a file\n"), 0o644),
		Remove("f2d"), CreateDir("f2d", 0o755), CreateFile("f2d/c1", []byte("c1\n"), 0o644),
		Remove("lib"), CreateDir("lib", 0o755), CreateFile("lib/x", []byte("x\n"), 0o644),
		touch(childTime, "d2f", "f2d/c1", "lib/x"),
		touch(laterTime, "f2d", "lib"),
	)
}
