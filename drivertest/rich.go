package drivertest

import (
	"encoding/binary"
	"errors"
	"os"
	"testing"
)

// richFixture returns a fixture holding every kind of entry a layer must
// keep, as far as privileges and the filesystem of dir (a read-write
// layer's view, where the parts are probed) allow.
func richFixture(t testing.TB, dir string) Applier {
	t.Helper()
	steps := []Applier{basicTree()}
	if privileged() {
		steps = append(steps, privilegedParts(t, dir))
	} else {
		t.Logf("rich fixture: leaving out owners, devices, a mode 0000 file, trusted.* xattrs and "+
			"file capabilities: %s", notPrivilegedReason())
	}
	if err := probe(dir, userXattrProbe); err != nil {
		t.Logf("rich fixture: leaving out user.* xattrs: %v", err)
	} else {
		steps = append(steps, userXattrs())
	}
	return Apply(steps...)
}

// privilegedParts is what only root can make: foreign owners, modes only
// root reads past, and, where dir's filesystem takes them, devices,
// trusted.* xattrs and file capabilities.
func privilegedParts(t testing.TB, dir string) Applier {
	t.Helper()
	steps := []Applier{privilegedTree()}
	optional := []struct {
		what  string
		probe Applier
		add   Applier
	}{
		{"device nodes", Apply(Remove(probeName), Mknod(probeName, charDevice|0o600, 1, 3)), deviceTree()},
		{"trusted.* xattrs", SetXattr(probeName, "trusted.drivertest", []byte("1")), trustedXattrs()},
		{"file capabilities", SetXattr(probeName, "security.capability", fileCapability()),
			SetXattr("exec", "security.capability", fileCapability())},
	}
	for _, o := range optional {
		if err := probe(dir, o.probe); err != nil {
			t.Logf("fixture: leaving out %s: %v", o.what, err)
			continue
		}
		steps = append(steps, o.add)
	}
	if err := probeSymlinkXattr(dir); err != nil {
		t.Logf("fixture: leaving out trusted.* xattrs on symlinks: %v", err)
	} else {
		steps = append(steps, SetXattr("abs-link", "trusted.drivertest", []byte("on a symlink")))
	}
	return Apply(steps...)
}

// probeSymlinkXattr sets a trusted.* xattr on a symlink in dir and reads
// it back: some filesystems (FUSE ones among them) accept the call and
// keep nothing.
func probeSymlinkXattr(dir string) error {
	const key, value = "trusted.drivertest", "1"
	err := Apply(Symlink("target", probeName), SetXattr(probeName, key, []byte(value))).Apply(dir)
	if err == nil {
		var tree Tree
		if tree, err = Snapshot(dir); err == nil && !hasXattr(tree[probeName], key, value) {
			err = errors.New("the setxattr call succeeded but the symlink does not keep the xattr")
		}
	}
	return errors.Join(err, RemoveAll(probeName).Apply(dir))
}

func hasXattr(e Entry, key, value string) bool {
	for _, x := range e.Xattrs {
		if x.Name == key && x.Value == value {
			return true
		}
	}
	return false
}

const (
	probeName  = ".drivertest-probe"
	charDevice = os.ModeDevice | os.ModeCharDevice
	mib        = 1 << 20
)

var userXattrProbe = SetXattr(probeName, "user.drivertest", []byte("1"))

// probe applies step to a scratch file in dir and reports why it failed,
// removing the scratch file either way.
func probe(dir string, step Applier) error {
	err := Apply(CreateFile(probeName, nil, 0o644), step).Apply(dir)
	if rmErr := RemoveAll(probeName).Apply(dir); rmErr != nil {
		return errors.Join(err, rmErr)
	}
	return err
}

// basicTree is the part of the rich fixture any user can build.
func basicTree() Applier {
	return Apply(
		CreateDir("etc", 0o755),
		CreateFile("etc/hosts", []byte("127.0.0.1 localhost\n"), 0o644),
		CreateFile("empty", nil, 0o644),
		CreateFile("one-byte", []byte("x"), 0o600),
		CreateFile("page", patterned(4096, 1), 0o640),
		CreateFile("big", patterned(mib+mib/2+7, 2), 0o644),
		CreateFile("with space", []byte("spaced\n"), 0o644),
		CreateFile("ünïcödé", []byte("utf-8\n"), 0o644),
		CreateDir("a", 0o755),
		CreateDir("a/b", 0o700),
		CreateDir("a/b/c", 0o750),
		CreateFile("a/b/c/deep", []byte("deep\n"), 0o644),
		CreateDir("empty-dir", 0o755),
		Symlink("/etc/hosts", "abs-link"),
		Symlink("etc/hosts", "rel-link"),
		Symlink("../etc/hosts", "a/up-link"),
		Symlink("does/not/exist", "dangling"),
		Symlink("a/b", "dir-link"),
		CreateDir("hl", 0o755),
		CreateFile("hl/one", []byte("linked\n"), 0o644),
		Link("hl/one", "hl/two"),
		Link("hl/one", "a/b/three"),
		Mkfifo("fifo", 0o640),
		Mknod("socket", os.ModeSocket|0o755, 0, 0),
		CreateFile("read-only", []byte("ro\n"), 0o444),
		CreateFile("exec", []byte("#!/bin/sh\n"), 0o755),
		CreateFile("setuid", []byte("suid\n"), 0o755|os.ModeSetuid),
		CreateFile("setgid", []byte("sgid\n"), 0o755|os.ModeSetgid),
		CreateDir("tmp", 0o777|os.ModeSticky),
		CreateDir("private", 0o700),
	)
}

// privilegedTree holds foreign owners and modes only root can read past.
func privilegedTree() Applier {
	return Apply(
		CreateFile("no-perm", []byte("secret\n"), 0),
		CreateDir("ro-dir", 0o755),
		CreateFile("ro-dir/f", []byte("in a read-only dir\n"), 0o644),
		Chmod("ro-dir", 0o555),
		CreateFile("owned", []byte("owned\n"), 0o644),
		Chown("owned", 1234, 5678),
		CreateDir("owned-dir", 0o750),
		Chown("owned-dir", 1234, 5678),
		Symlink("owned", "owned-link"),
		Chown("owned-link", 1234, 5678),
		// chown clears setuid, so the mode comes after it.
		CreateFile("owned-setuid", []byte("suid\n"), 0o755),
		Chown("owned-setuid", 1234, 5678),
		Chmod("owned-setuid", 0o755|os.ModeSetuid|os.ModeSetgid),
	)
}

func deviceTree() Applier {
	return Apply(
		CreateDir("dev", 0o755),
		Mknod("dev/null", charDevice|0o666, 1, 3),
		Mknod("dev/loop9", os.ModeDevice|0o660, 7, 9),
	)
}

func trustedXattrs() Applier {
	return Apply(
		SetXattr("etc/hosts", "trusted.drivertest", []byte("on a file")),
		SetXattr("a", "trusted.drivertest", []byte("on a dir")),
	)
}

func userXattrs() Applier {
	return Apply(
		SetXattr("etc/hosts", "user.drivertest", []byte("hosts")),
		SetXattr("a", "user.dir", []byte("on a dir")),
		SetXattr("empty", "user.empty-value", nil),
		SetXattr("big", "user.binary", []byte{0, 1, 0xff}),
		SetXattr("hl/one", "user.linked", []byte("all links")),
	)
}

// fileCapability is a VFS_CAP_REVISION_2 security.capability value
// granting CAP_NET_BIND_SERVICE (10), effective: the kernel checks its
// format, so it cannot be arbitrary bytes.
func fileCapability() []byte {
	words := []uint32{0x02000000 | 1, 1 << 10, 0, 0, 0}
	out := make([]byte, 0, 4*len(words))
	for _, w := range words {
		out = binary.LittleEndian.AppendUint32(out, w)
	}
	return out
}

// patterned returns n bytes of deterministic, poorly compressible data.
func patterned(n int, seed uint32) []byte {
	out := make([]byte, n)
	x := seed*2654435761 + 1
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = byte(x)
	}
	return out
}
