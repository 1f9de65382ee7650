package cow

import (
	"errors"
	"fmt"
	"path"
	"sync/atomic"

	"github.com/layerfs/graphdriver/internal/dirent"
	"golang.org/x/sys/unix"
)

func (c *Copier) copyTree(dst, src string) (err error) {
	o := c.newOp("copy", src, dst)
	sdir, sname, st, err := openSource(src)
	if err != nil {
		return err
	}
	defer unix.Close(sdir)
	dd, err := o.openBase(dst)
	if err != nil {
		return err
	}
	defer unix.Close(dd.fd)
	if err := o.rootExists(dst); err != nil {
		return err
	}
	defer func() {
		if err != nil && o.watchMade {
			if rerr := removeTree(dst); rerr != nil {
				err = errors.Join(err, fmt.Errorf("cow: remove partial copy: %w", rerr))
			}
		}
	}()
	return o.copyNode(sdir, sname, &dd, o.baseName, "", &st)
}

func (c *Copier) copyFile(dst, src string) (err error) {
	o := c.newOp("copy", src, dst)
	sdir, sname, st, err := openSource(src)
	if err != nil {
		return err
	}
	defer unix.Close(sdir)
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("cow: copy %s: not a regular file (type %#o)", src, st.Mode&unix.S_IFMT)
	}
	dd, err := o.openBase(dst)
	if err != nil {
		return err
	}
	defer unix.Close(dd.fd)
	defer func() {
		if err != nil && o.watchMade {
			if rerr := unix.Unlinkat(dd.fd, o.baseName, 0); rerr != nil {
				err = errors.Join(err, fmt.Errorf("cow: remove partial copy %s: %w", dst, rerr))
			}
		}
	}()
	return o.copyRegular(sdir, sname, &dd, o.baseName, "", &st)
}

// openSource opens the directory holding src and lstats src in it.
func openSource(src string) (int, string, unix.Stat_t, error) {
	var st unix.Stat_t
	sdir, sname, err := openParent(src)
	if err != nil {
		return -1, "", st, fmt.Errorf("cow: copy %s: %w", src, err)
	}
	if err := unix.Fstatat(sdir, sname, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		unix.Close(sdir)
		return -1, "", st, fmt.Errorf("cow: copy %s: %w", src, err)
	}
	return sdir, sname, st, nil
}

// openBase opens the directory that will hold the destination root dst
// and records it as the base of hardlinks and the destination device.
func (o *op) openBase(dst string) (dstDir, error) {
	pfd, name, err := openParent(dst)
	if err != nil {
		return dstDir{}, fmt.Errorf("cow: %s %s: destination: %w", o.verb, o.srcRoot, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(pfd, &st); err != nil {
		unix.Close(pfd)
		return dstDir{}, fmt.Errorf("cow: %s %s: destination %s: %w", o.verb, o.srcRoot, dst, err)
	}
	o.base, o.baseName, o.dstDev = pfd, name, uint64(st.Dev)
	return dstDir{fd: pfd, setgid: st.Mode&unix.S_ISGID != 0, gid: st.Gid}, nil
}

// copyNode copies the source entry sname in sdir, whose lstat is st, to
// dname in dd. Names after the first of an inode become hardlinks.
func (o *op) copyNode(sdir int, sname string, dd *dstDir, dname, rel string, st *unix.Stat_t) error {
	if st.Mode&unix.S_IFMT != unix.S_IFDIR && st.Nlink > 1 {
		k := devIno{uint64(st.Dev), uint64(st.Ino)}
		if first, ok := o.links[k]; ok {
			return o.link(dd, dname, rel, first)
		}
		o.links[k] = rel
	}
	return o.copyOne(sdir, sname, dd, dname, rel, st, true)
}

// copyOne copies one entry by type; deep says whether a directory's
// contents come too.
func (o *op) copyOne(sdir int, sname string, dd *dstDir, dname, rel string, st *unix.Stat_t, deep bool) error {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return o.copyRegular(sdir, sname, dd, dname, rel, st)
	case unix.S_IFDIR:
		return o.copyDir(sdir, sname, dd, dname, rel, st, deep)
	case unix.S_IFLNK:
		return o.copySymlink(sdir, sname, dd, dname, rel, st)
	case unix.S_IFIFO, unix.S_IFSOCK, unix.S_IFCHR, unix.S_IFBLK:
		return o.copySpecial(dd, dname, rel, st)
	}
	return o.fail(rel, "copy", fmt.Errorf("unknown file type %#o", st.Mode&unix.S_IFMT))
}

// link makes dname in dd another name of the copy of first.
func (o *op) link(dd *dstDir, dname, rel, first string) error {
	if err := unix.Linkat(o.base, path.Join(o.baseName, first), dd.fd, dname, 0); err != nil {
		return o.fail(rel, "link to "+first, err)
	}
	atomic.AddInt64(&o.stats.Hardlinks, 1)
	return nil
}

// copyDir copies a directory: owner first (so that entries made inside
// get the group a setgid directory passes on), then the contents, then
// the xattrs (a default ACL set earlier would leak into the new
// entries), the mode (the copy stays writable until now) and the times
// (making entries changes them).
func (o *op) copyDir(sdir int, sname string, dd *dstDir, dname, rel string, st *unix.Stat_t, deep bool) error {
	if uint64(st.Dev) == o.stopDev && uint64(st.Ino) == o.stopIno {
		return fmt.Errorf("cow: %s %s: destination %s is inside the source", o.verb, o.srcRoot, o.dstRoot)
	}
	sfd, err := unix.Openat(sdir, sname, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return o.fail(rel, "open directory", err)
	}
	defer unix.Close(sfd)
	child, err := o.makeDir(dd, dname, rel, st)
	if err != nil {
		return err
	}
	defer unix.Close(child.fd)
	if err := o.chown(rel, target{fd: child.fd}, st, dd); err != nil {
		return err
	}
	if deep {
		if err := o.copyEntries(sfd, &child, rel); err != nil {
			return err
		}
	}
	if err := o.copyXattrs(rel, source{fd: sfd}, target{fd: child.fd}); err != nil {
		return err
	}
	if err := o.chmod(rel, target{fd: child.fd}, st); err != nil {
		return err
	}
	atomic.AddInt64(&o.stats.Dirs, 1)
	return o.setTimes(dd.fd, dname, rel, st)
}

// makeDir makes the directory dname in dd, mode 0700 until its contents
// are in, and opens it.
func (o *op) makeDir(dd *dstDir, dname, rel string, st *unix.Stat_t) (dstDir, error) {
	if err := unix.Mkdirat(dd.fd, dname, 0o700); err != nil {
		return dstDir{}, o.fail(rel, "make directory", err)
	}
	o.made(rel)
	fd, err := unix.Openat(dd.fd, dname, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return dstDir{}, o.fail(rel, "open new directory", err)
	}
	if rel == "" {
		var root unix.Stat_t
		if err := unix.Fstat(fd, &root); err != nil {
			unix.Close(fd)
			return dstDir{}, o.fail(rel, "stat new directory", err)
		}
		o.stopDev, o.stopIno = uint64(root.Dev), uint64(root.Ino)
	}
	// A directory made in a setgid directory is setgid too; after chown
	// its group is the source's.
	return dstDir{fd: fd, setgid: dd.setgid, gid: st.Gid}, nil
}

// copyEntries copies the entries of the open source directory sfd into
// dd. It reads all names first, so one getdents buffer serves the whole
// walk.
func (o *op) copyEntries(sfd int, dd *dstDir, rel string) error {
	names, err := dirent.Names(sfd, &o.dirents)
	if err != nil {
		return o.fail(rel, "read directory", err)
	}
	var st unix.Stat_t
	for _, name := range names {
		crel := name
		if rel != "" {
			crel = rel + "/" + name
		}
		if err := unix.Fstatat(sfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return o.fail(crel, "stat", err)
		}
		if err := o.copyNode(sfd, name, dd, name, crel, &st); err != nil {
			return err
		}
	}
	return nil
}
