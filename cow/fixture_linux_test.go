package cow

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// step is one fixture operation, as data: a tree is a list of steps.
type step struct {
	desc     string
	root     bool // needs root: skipped otherwise
	optional bool // EPERM or EOPNOTSUPP (old kernel, no ACLs) skips it
	do       func(root string) error
}

func isRoot() bool { return os.Geteuid() == 0 }

// build applies steps under root.
func build(t testing.TB, root string, steps []step) {
	t.Helper()
	skipped := 0
	for _, s := range steps {
		if s.root && !isRoot() {
			skipped++
			continue
		}
		err := s.do(root)
		if err != nil && s.optional && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EOPNOTSUPP)) {
			t.Logf("fixture: skipping %s: %v", s.desc, err)
			continue
		}
		if err != nil {
			t.Fatalf("fixture: %s: %v", s.desc, err)
		}
	}
	if skipped > 0 {
		t.Logf("fixture: not root: skipped %d steps (owners, devices, capabilities, trusted xattrs, odd dir modes)", skipped)
	}
}

func asRoot(s step) step     { s.root = true; return s }
func optionally(s step) step { s.optional = true; return s }

func mkdir(p string) step {
	return step{"mkdir " + p, false, false, func(r string) error { return os.Mkdir(filepath.Join(r, p), 0o755) }}
}

func write(p, content string) step {
	return step{"write " + p, false, false, func(r string) error {
		return os.WriteFile(filepath.Join(r, p), []byte(content), 0o644)
	}}
}

// random writes size pseudo-random bytes, the same for the same seed.
func random(p string, size int, seed uint64) step {
	return step{"write random " + p, false, false, func(r string) error {
		return os.WriteFile(filepath.Join(r, p), randomBytes(size, seed), 0o644)
	}}
}

func randomBytes(size int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	b := make([]byte, size)
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
	}
	return b
}

// sparse makes a file of size bytes with data only at the given
// [offset, length] extents; the rest are holes.
func sparse(p string, size int64, extents ...[2]int64) step {
	return step{"write sparse " + p, false, false, func(r string) error {
		return writeSparse(filepath.Join(r, p), size, extents...)
	}}
}

func writeSparse(path string, size int64, extents ...[2]int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for i, e := range extents {
		if _, err := f.WriteAt(randomBytes(int(e[1]), uint64(i+1)), e[0]); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func symlink(target, p string) step {
	return step{"symlink " + p, false, false, func(r string) error { return os.Symlink(target, filepath.Join(r, p)) }}
}

func hardlink(old, p string) step {
	return step{"link " + p, false, false, func(r string) error { return os.Link(filepath.Join(r, old), filepath.Join(r, p)) }}
}

func mknod(p string, mode uint32, dev int) step {
	return step{"mknod " + p, false, false, func(r string) error { return unix.Mknod(filepath.Join(r, p), mode, dev) }}
}

func chown(p string, uid, gid int) step {
	return step{"chown " + p, true, false, func(r string) error { return os.Lchown(filepath.Join(r, p), uid, gid) }}
}

func chmod(p string, mode uint32) step {
	return step{"chmod " + p, false, false, func(r string) error {
		return unix.Fchmodat(unix.AT_FDCWD, filepath.Join(r, p), mode, 0)
	}}
}

func setxattr(p, key string, val []byte) step {
	return step{"setxattr " + key + " on " + p, false, false, func(r string) error {
		return unix.Lsetxattr(filepath.Join(r, p), key, val, 0)
	}}
}

// mtime sets atime and mtime to the Unix time ns, nanoseconds included.
func mtime(p string, ns int64) step {
	return step{"set times of " + p, false, false, func(r string) error {
		ts := unix.NsecToTimespec(ns)
		return unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(r, p), []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
	}}
}

// capNetBindService is a version 2 security.capability value granting
// CAP_NET_BIND_SERVICE, effective.
var capNetBindService = []byte{
	0x01, 0x00, 0x00, 0x02, // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
	0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, // permitted, inheritable (low word)
	0, 0, 0, 0, 0, 0, 0, 0, // high word
}

// defaultACL is a system.posix_acl_default value with a named user entry:
// entries made in the directory inherit an access ACL from it, which the
// copy must not add to entries whose source has none.
var defaultACL = []byte{
	2, 0, 0, 0, // version
	0x01, 0, 7, 0, 0xff, 0xff, 0xff, 0xff, // user::rwx
	0x02, 0, 7, 0, 0xd2, 0x04, 0, 0, // user:1234:rwx
	0x04, 0, 5, 0, 0xff, 0xff, 0xff, 0xff, // group::r-x
	0x10, 0, 7, 0, 0xff, 0xff, 0xff, 0xff, // mask::rwx
	0x20, 0, 5, 0, 0xff, 0xff, 0xff, 0xff, // other::r-x
}

// fullTree has an entry of every type and every piece of metadata a copy
// must keep.
func fullTree() []step {
	t0 := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC).UnixNano()
	return []step{
		mkdir("a"), mkdir("b"), mkdir("b/c"), mkdir("acl"),
		write("a/regular", "hello\n"),
		write("a/empty", ""),
		sparse("a/sparse", 4<<20, [2]int64{0, 64 << 10}, [2]int64{1 << 20, 64 << 10}),
		sparse("a/leading-hole", 2<<20, [2]int64{1 << 20, 4096}),
		random("b/large", 3<<20+123, 7),
		write("a/h1", "linked\n"), hardlink("a/h1", "b/h2"), hardlink("a/h1", "b/c/h3"),
		symlink("/etc/passwd", "a/abs"), symlink("../b/large", "a/rel"), symlink("nowhere/at/all", "a/dangling"),
		mknod("b/fifo", unix.S_IFIFO|0o640, 0),
		mknod("b/sock", unix.S_IFSOCK|0o755, 0),
		asRoot(mknod("b/null", unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3)))),
		optionally(mknod("b/whiteout", unix.S_IFCHR, 0)), // unprivileged since Linux 5.8
		write("b/suid", "#!/bin/sh\n"), chown("b/suid", 1234, 5678), chmod("b/suid", 0o4755),
		write("b/sgid", "x"), chmod("b/sgid", 0o2750),
		write("b/readonly", "r"), chmod("b/readonly", 0o400),
		asRoot(write("b/mode0000", "secret")), asRoot(chmod("b/mode0000", 0)),
		chmod("b/c", 0o1777), chown("b/c", 1234, 5678), chown("a/abs", 1234, 5678),
		setxattr("a/regular", "user.color", []byte("blue")),
		setxattr("b", "user.empty", nil),
		write("a/big-xattr", ""), setxattr("a/big-xattr", "user.big", randomBytes(3000, 3)),
		asRoot(write("a/cap", "cap")), asRoot(setxattr("a/cap", "security.capability", capNetBindService)),
		asRoot(setxattr("b/c", "trusted.overlay.opaque", []byte("y"))),
		asRoot(setxattr("a/abs", "trusted.sym", []byte("on a symlink"))),
		write("acl/f", "z"), optionally(setxattr("acl", "system.posix_acl_default", defaultACL)),
		asRoot(mkdir("odd0000")), asRoot(mkdir("odd0000/inner")), asRoot(write("odd0000/inner/f", "x")),
		asRoot(mkdir("odd0200")), asRoot(write("odd0200/f", "y")),
		mtime("a/regular", t0+123456789), mtime("a/abs", t0+1), mtime("a/dangling", t0+999999999),
		mtime("b/fifo", t0+42), mtime("b/large", t0+7),
		asRoot(mtime("odd0000/inner", t0+5)), asRoot(mtime("odd0000", t0+6)),
		mtime("b/c", t0+3), mtime("b", t0+2), mtime("a", t0+1), mtime("", t0),
		asRoot(chmod("odd0000", 0)), asRoot(chmod("odd0200", 0o200)),
	}
}
