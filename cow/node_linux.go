package cow

import (
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// source is a source entry for the xattr calls: an open fd, or a path
// when the entry cannot be opened (symlinks, special files).
type source struct {
	fd   int
	path string
}

// target is a destination entry: an open fd (fd >= 0), or the directory
// fd and name for the *at calls plus the path for the l*xattr calls.
type target struct {
	fd   int
	dir  int
	name string
	path string
}

// copyRegular copies a regular file. The order matters: a write clears
// setuid and security.capability, chown clears setuid and
// security.capability, so content, then owner, then xattrs, then mode,
// then times (everything before changes mtime or ctime).
func (o *op) copyRegular(sdir int, sname string, dd *dstDir, dname, rel string, st *unix.Stat_t) error {
	sfd, err := unix.Openat(sdir, sname, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return o.fail(rel, "open", err)
	}
	defer unix.Close(sfd)
	dfd, err := unix.Openat(dd.fd, dname, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return o.fail(rel, "create", err)
	}
	o.made(rel)
	err = o.fillFile(dfd, sfd, dd, rel, st)
	if cerr := unix.Close(dfd); err == nil && cerr != nil {
		err = o.fail(rel, "close", cerr)
	}
	if err != nil {
		return err
	}
	atomic.AddInt64(&o.stats.Files, 1)
	return o.setTimes(dd.fd, dname, rel, st)
}

func (o *op) fillFile(dfd, sfd int, dd *dstDir, rel string, st *unix.Stat_t) error {
	if err := o.copyContent(dfd, sfd, rel, st); err != nil {
		return err
	}
	t := target{fd: dfd}
	if err := o.chown(rel, t, st, dd); err != nil {
		return err
	}
	if err := o.copyXattrs(rel, source{fd: sfd}, t); err != nil {
		return err
	}
	return o.chmod(rel, t, st)
}

func (o *op) copySymlink(sdir int, sname string, dd *dstDir, dname, rel string, st *unix.Stat_t) error {
	to, err := o.readlink(sdir, sname, st.Size)
	if err != nil {
		return o.fail(rel, "read link", err)
	}
	if err := unix.Symlinkat(to, dd.fd, dname); err != nil {
		return o.fail(rel, "make symlink", err)
	}
	o.made(rel)
	t := target{fd: -1, dir: dd.fd, name: dname, path: o.dstPath(rel)}
	if err := o.chown(rel, t, st, dd); err != nil {
		return err
	}
	if err := o.copyXattrs(rel, source{fd: -1, path: o.srcPath(rel)}, t); err != nil {
		return err
	}
	atomic.AddInt64(&o.stats.Symlinks, 1)
	return o.setTimes(dd.fd, dname, rel, st)
}

func (o *op) readlink(dir int, name string, size int64) (string, error) {
	n := max(int(size)+1, 256)
	for {
		if len(o.readlinkTo) < n {
			o.readlinkTo = make([]byte, n)
		}
		got, err := unix.Readlinkat(dir, name, o.readlinkTo)
		if err != nil {
			return "", err
		}
		if got < len(o.readlinkTo) {
			return string(o.readlinkTo[:got]), nil
		}
		n = 2 * len(o.readlinkTo) // the link grew since the stat
	}
}

// copySpecial makes a fifo, socket or device node like the source's.
func (o *op) copySpecial(dd *dstDir, dname, rel string, st *unix.Stat_t) error {
	typ := st.Mode & unix.S_IFMT
	if err := unix.Mknodat(dd.fd, dname, typ|0o600, int(st.Rdev)); err != nil {
		step := "make " + typeName(typ)
		if typ == unix.S_IFCHR || typ == unix.S_IFBLK {
			step = fmt.Sprintf("%s %d:%d", step, unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev)))
			if errors.Is(err, unix.EPERM) {
				step += " (needs CAP_MKNOD)"
			}
		}
		return o.fail(rel, step, err)
	}
	o.made(rel)
	t := target{fd: -1, dir: dd.fd, name: dname, path: o.dstPath(rel)}
	if err := o.chown(rel, t, st, dd); err != nil {
		return err
	}
	if err := o.copyXattrs(rel, source{fd: -1, path: o.srcPath(rel)}, t); err != nil {
		return err
	}
	if err := o.chmod(rel, t, st); err != nil {
		return err
	}
	atomic.AddInt64(&o.stats.Specials, 1)
	return o.setTimes(dd.fd, dname, rel, st)
}

func typeName(typ uint32) string {
	switch typ {
	case unix.S_IFIFO:
		return "fifo"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFCHR:
		return "char device"
	case unix.S_IFBLK:
		return "block device"
	}
	return fmt.Sprintf("file of type %#o", typ)
}

// chown gives t the source's owner unless a new entry in dd already has
// it, which saves a syscall per entry in the common case.
func (o *op) chown(rel string, t target, st *unix.Stat_t, dd *dstDir) error {
	gid := o.gid
	if dd.setgid {
		gid = dd.gid
	}
	if st.Uid == o.uid && st.Gid == gid {
		return nil
	}
	var err error
	if t.fd >= 0 {
		err = unix.Fchown(t.fd, int(st.Uid), int(st.Gid))
	} else {
		err = unix.Fchownat(t.dir, t.name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW)
	}
	if err != nil {
		return o.fail(rel, fmt.Sprintf("change owner to %d:%d", st.Uid, st.Gid), err)
	}
	return nil
}

// chmod sets the permission bits with setuid, setgid and sticky. It runs
// on every entry but symlinks: the umask is unknown and chown cleared the
// setuid and setgid bits.
func (o *op) chmod(rel string, t target, st *unix.Stat_t) error {
	mode := st.Mode & 0o7777
	var err error
	if t.fd >= 0 {
		err = unix.Fchmod(t.fd, mode)
	} else {
		err = unix.Fchmodat(t.dir, t.name, mode, 0)
	}
	if err != nil {
		return o.fail(rel, fmt.Sprintf("change mode to %#o", mode), err)
	}
	return nil
}

// setTimes sets the access and modification times, never following a
// symlink. The change time cannot be set.
func (o *op) setTimes(dir int, name, rel string, st *unix.Stat_t) error {
	o.timespecs = [2]unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(dir, name, o.timespecs[:], unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return o.fail(rel, "set times", err)
	}
	return nil
}
