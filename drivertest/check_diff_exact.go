package drivertest

// The canonical layer tar, which every backend's Diff writes byte for
// byte (the checks below hold backends to it; the tars they expect are
// built in tarbuild.go from these rules alone):
//
//   - tar.FormatPAX; names relative, without "./" or "/"; directories end
//     in "/". Paths compare component by component, so a directory is
//     followed at once by its subtree ("a", "a/b", "a-b", "a.b"); within
//     a directory the opaque marker comes first, then the whiteouts by
//     name, then the other entries by name.
//   - Files, directories, symlinks, fifos and devices carry Mode (the
//     permission, setuid, setgid and sticky bits), Uid, Gid (container
//     ids), ModTime with nanoseconds, xattrs as SCHILY.xattr records (not
//     security.selinux nor overlay-internal ones); no user or group
//     names, no access or change time. The later paths of a hardlinked
//     inode are TypeLink entries to the first path in tar order, with the
//     inode's metadata and no content. Sockets are left out.
//   - Whiteouts and opaque markers are empty regular files, mode 0644,
//     owner 0:0, modified at the Unix epoch, never hardlinks.
//   - Entries: what was added (with its subtree), what changed (type,
//     mode, owner, content, mtime, link target, device, xattrs, hardlink
//     group), every directory in both trees whose own metadata changed or
//     below which anything changed (never the root), and one whiteout per
//     removed subtree, except that a directory in both trees whose
//     parent-side entries are all gone gets one opaque marker instead.

// checkDiffExact compares the Diff of a child holding every kind of
// change with the entry list the rules above give, field by field.
func checkDiffExact(h *harness) {
	h.dumpOnFailure("base", "child")
	xattrs := h.userXattrsWork()
	h.createRW("base", "")
	h.write("base", exactBase())
	h.createRW("child", "base")
	h.write("child", exactChild(xattrs))
	h.requireTree("child", h.model(exactBase(), exactChild(xattrs)), "child after its writes")

	got := h.diffOf("child", "")
	h.expectTar(got, exactWant(xattrs), "Diff(child, \"\")")
	h.expectSameTar(got, h.diffOf("child", "base"), "Diff(child, base) against Diff(child, \"\")")
	h.expectSameTar(got, h.diffOf("child", ""), "a second Diff(child, \"\")")
}

func exactBase() Applier {
	return Apply(
		CreateDir("etc", 0o755),
		CreateFile("etc/hosts", []byte("127.0.0.1 localhost\n"), 0o644),
		CreateFile("etc/passwd", []byte("root:x:0:0::/root:/bin/sh\n"), 0o644),
		CreateFile("etc/motd", []byte("hello\n"), 0o644),
		CreateFile("keep", []byte("kept\n"), 0o644),
		CreateFile("mod-content", []byte("old\n"), 0o644),
		CreateFile("mod-mode", []byte("mode\n"), 0o644),
		CreateDir("tree", 0o755),
		CreateFile("tree/a", []byte("a\n"), 0o644),
		CreateDir("tree/sub", 0o700),
		CreateFile("tree/sub/b", []byte("b\n"), 0o644),
		CreateDir("redo", 0o755),
		CreateFile("redo/old1", []byte("old1\n"), 0o644),
		CreateFile("redo/old2", []byte("old2\n"), 0o644),
		CreateDir("emptied", 0o755),
		CreateFile("emptied/x", []byte("x\n"), 0o644),
		CreateDir("lib", 0o755),
		CreateFile("lib/libc.so", patterned(5000, 3), 0o755),
		touch(baseTime, "etc/hosts", "etc/passwd", "etc/motd", "keep", "mod-content", "mod-mode",
			"tree/a", "tree/sub/b", "redo/old1", "redo/old2", "emptied/x", "lib/libc.so"),
		touch(baseTime, "etc", "tree", "tree/sub", "redo", "emptied", "lib"),
	)
}

// exactChild adds, modifies and deletes files and subtrees; it removes
// redo and makes it again, and empties emptied entry by entry: both
// become opaque. mod-mode only changes mode, so it keeps its mtime.
func exactChild(xattrs bool) Applier {
	steps := []Applier{
		CreateFile("mod-content", []byte("new content\n"), 0o644),
		Chmod("mod-mode", 0o600),
		CreateFile("etc/hosts", []byte("127.0.0.1 localhost\n::1 localhost\n"), 0o644),
		Remove("etc/motd"),
		RemoveAll("tree"),
		RemoveAll("redo"),
		CreateDir("redo", 0o755),
		CreateFile("redo/new", []byte("new\n"), 0o644),
		Remove("emptied/x"),
		CreateDir("a", 0o755),
		CreateFile("a/b", []byte("in a\n"), 0o644),
		CreateFile("a-b", []byte("a-b\n"), 0o644),
		CreateFile("a.b", []byte("a.b\n"), 0o644),
		CreateFile("new-file", []byte("new\n"), 0o640),
		CreateDir("new-dir", 0o750),
		CreateFile("new-dir/f", patterned(3000, 7), 0o644),
		Symlink("keep", "new-link"),
	}
	if xattrs {
		steps = append(steps, SetXattr("new-file", "user.origin", []byte("child")))
	}
	return Apply(append(steps,
		touch(childTime, "mod-content", "etc/hosts", "redo/new", "a/b", "a-b", "a.b",
			"new-file", "new-dir/f", "new-link"),
		touch(dirTime, "etc", "redo", "emptied", "a", "new-dir"),
	)...)
}

func exactWant(xattrs bool) []tarItem {
	newFile := fileItem("new-file", []byte("new\n"), 0o640).at(childTime)
	if xattrs {
		newFile = newFile.xattr("user.origin", "child")
	}
	return []tarItem{
		whiteoutItem("", "tree"),
		dirItem("a", 0o755).at(dirTime),
		fileItem("a/b", []byte("in a\n"), 0o644).at(childTime),
		fileItem("a-b", []byte("a-b\n"), 0o644).at(childTime),
		fileItem("a.b", []byte("a.b\n"), 0o644).at(childTime),
		dirItem("emptied", 0o755).at(dirTime),
		opaqueItem("emptied"),
		dirItem("etc", 0o755).at(dirTime),
		whiteoutItem("etc", "motd"),
		fileItem("etc/hosts", []byte("127.0.0.1 localhost\n::1 localhost\n"), 0o644).at(childTime),
		fileItem("mod-content", []byte("new content\n"), 0o644).at(childTime),
		fileItem("mod-mode", []byte("mode\n"), 0o600).at(baseTime),
		dirItem("new-dir", 0o750).at(dirTime),
		fileItem("new-dir/f", patterned(3000, 7), 0o644).at(childTime),
		newFile,
		symlinkItem("new-link", "keep").at(childTime),
		dirItem("redo", 0o755).at(dirTime),
		opaqueItem("redo"),
		fileItem("redo/new", []byte("new\n"), 0o644).at(childTime),
	}
}

// userXattrsWork reports whether a read-write layer's view takes user.*
// xattrs, probing a scratch layer; it logs why not.
func (h *harness) userXattrsWork() bool {
	h.t.Helper()
	const id = "xattr-probe"
	h.createRW(id, "")
	dir := h.get(id)
	err := probe(dir, userXattrProbe)
	h.put(id)
	h.remove(id)
	if err != nil {
		h.t.Logf("leaving out user.* xattrs: %v", err)
	}
	return err == nil
}
