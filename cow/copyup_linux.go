package cow

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// upWalk is the state of one CopyUp: the directories it opened on the way
// down and the upper parents it made.
type upWalk struct {
	o    *op
	fds  []int
	made []madeDir // outermost first
	// lastDir and lastName locate the copied entry, to remove it on
	// failure.
	lastDir   int
	lastName  string
	lastIsDir bool
	// keepDir and keepName locate the deepest upper directory that
	// existed: making an entry in it changes its times, which CopyUp puts
	// back, as overlayfs does, since a copy up is not a change the user
	// made.
	keepDir   int
	keepName  string
	keepFlags int // AT_SYMLINK_NOFOLLOW but for the root, which may be a symlink
	keepSt    unix.Stat_t
}

// madeDir is an upper parent CopyUp made; its xattrs, mode and times are
// set after the entry inside it exists.
type madeDir struct {
	parent    int // upper fd holding it
	name, rel string
	fd, lower int // the new directory and its lower counterpart
	st        unix.Stat_t
}

func (c *Copier) copyUp(upperRoot, lowerRoot, rel string) (err error) {
	names, err := splitRel(rel)
	if err != nil {
		return fmt.Errorf("cow: copy up %q: %w", rel, err)
	}
	o := c.newOp("copy up", lowerRoot, upperRoot)
	o.watch = strings.Join(names, "/")
	w := &upWalk{o: o}
	defer w.closeAll()
	ldir, udir, err := w.openRoots(lowerRoot, upperRoot)
	if err != nil {
		return err
	}
	// Check the whole lower path before touching the upper, so that the
	// common failures (missing path, symlinked parent) change nothing.
	lowers, st, err := w.openLower(ldir, names)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = w.undo(err)
		}
	}()
	last := len(names) - 1
	for i, name := range names[:last] {
		udir, err = w.upperParent(udir, lowers[i+1], name, strings.Join(names[:i+1], "/"))
		if err != nil {
			return err
		}
	}
	if err := w.copyLast(lowers[last], &udir, names[last], o.watch, &st); err != nil {
		return err
	}
	if err := w.finishParents(); err != nil {
		return err
	}
	return w.restoreTimes()
}

// restoreTimes puts back the times of the deepest upper directory that
// existed before.
func (w *upWalk) restoreTimes() error {
	ts := []unix.Timespec{w.keepSt.Atim, w.keepSt.Mtim}
	if err := unix.UtimesNanoAt(w.keepDir, w.keepName, ts, w.keepFlags); err != nil {
		return fmt.Errorf("cow: copy up %s: restore times of upper %s: %w", w.o.watch, w.keepName, err)
	}
	return nil
}

func (w *upWalk) openRoots(lowerRoot, upperRoot string) (int, dstDir, error) {
	o := w.o
	lfd, err := unix.Open(lowerRoot, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, dstDir{}, fmt.Errorf("cow: copy up %s: open lower root %s: %w", o.watch, lowerRoot, err)
	}
	w.fds = append(w.fds, lfd)
	ufd, err := unix.Open(upperRoot, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, dstDir{}, fmt.Errorf("cow: copy up %s: open upper root %s: %w", o.watch, upperRoot, err)
	}
	w.fds = append(w.fds, ufd)
	var st unix.Stat_t
	if err := unix.Fstat(ufd, &st); err != nil {
		return -1, dstDir{}, fmt.Errorf("cow: copy up %s: stat upper root %s: %w", o.watch, upperRoot, err)
	}
	o.dstDev = uint64(st.Dev)
	w.keepDir, w.keepName, w.keepFlags, w.keepSt = unix.AT_FDCWD, upperRoot, 0, st
	return lfd, dstDir{fd: ufd, setgid: st.Mode&unix.S_ISGID != 0, gid: st.Gid}, nil
}

// openLower opens the lower root's parent directories of the entry,
// never following a symlink, and stats the entry. lowers[0] is the root,
// lowers[i] the directory names[:i].
func (w *upWalk) openLower(root int, names []string) ([]int, unix.Stat_t, error) {
	o := w.o
	lowers := []int{root}
	var st unix.Stat_t
	for i, name := range names[:len(names)-1] {
		fd, err := unix.Openat(lowers[i], name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, st, o.fail(strings.Join(names[:i+1], "/"), "open lower directory", err)
		}
		w.fds = append(w.fds, fd)
		lowers = append(lowers, fd)
	}
	last := len(names) - 1
	if err := unix.Fstatat(lowers[last], names[last], &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, st, o.fail(o.watch, "stat lower", err)
	}
	return lowers, st, nil
}

// upperParent opens the upper parent directory name, making it like the
// lower one, lfd, when it is missing.
func (w *upWalk) upperParent(udir dstDir, lfd int, name, rel string) (dstDir, error) {
	o := w.o
	ud, ust, err := openDstDir(udir.fd, name)
	if err == nil {
		w.fds = append(w.fds, ud.fd)
		w.keepDir, w.keepName, w.keepFlags, w.keepSt = udir.fd, name, unix.AT_SYMLINK_NOFOLLOW, ust
		return ud, nil
	}
	if !errors.Is(err, unix.ENOENT) {
		return dstDir{}, o.fail(rel, "open upper directory", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(lfd, &st); err != nil {
		return dstDir{}, o.fail(rel, "stat lower directory", err)
	}
	child, err := o.makeDir(&udir, name, rel, &st)
	if err != nil {
		return dstDir{}, err
	}
	w.fds = append(w.fds, child.fd)
	w.made = append(w.made, madeDir{parent: udir.fd, name: name, rel: rel, fd: child.fd, lower: lfd, st: st})
	if err := o.chown(rel, target{fd: child.fd}, &st, &udir); err != nil {
		return dstDir{}, err
	}
	return child, nil
}

// copyLast copies the entry itself; a directory comes without contents.
func (w *upWalk) copyLast(ldir int, udir *dstDir, name, rel string, st *unix.Stat_t) error {
	o := w.o
	var ust unix.Stat_t
	err := unix.Fstatat(udir.fd, name, &ust, unix.AT_SYMLINK_NOFOLLOW)
	if err == nil {
		return o.fail(rel, "upper", os.ErrExist)
	}
	if !errors.Is(err, unix.ENOENT) {
		return o.fail(rel, "stat upper", err)
	}
	w.lastDir, w.lastName = udir.fd, name
	w.lastIsDir = st.Mode&unix.S_IFMT == unix.S_IFDIR
	return o.copyOne(ldir, name, udir, name, rel, st, false)
}

// finishParents gives the parents made their xattrs, mode and times,
// innermost first, now that nothing more is made inside them.
func (w *upWalk) finishParents() error {
	o := w.o
	for i := len(w.made) - 1; i >= 0; i-- {
		m := &w.made[i]
		if err := o.copyXattrs(m.rel, source{fd: m.lower}, target{fd: m.fd}); err != nil {
			return err
		}
		if err := o.chmod(m.rel, target{fd: m.fd}, &m.st); err != nil {
			return err
		}
		if err := o.setTimes(m.parent, m.name, m.rel, &m.st); err != nil {
			return err
		}
		atomic.AddInt64(&o.stats.Dirs, 1)
	}
	return nil
}

// undo removes what a failed CopyUp made and joins any failure to err.
func (w *upWalk) undo(err error) error {
	errs := []error{err}
	if w.o.watchMade {
		flags := 0
		if w.lastIsDir {
			flags = unix.AT_REMOVEDIR
		}
		if rerr := unix.Unlinkat(w.lastDir, w.lastName, flags); rerr != nil {
			errs = append(errs, w.o.fail(w.o.watch, "remove partial copy", rerr))
		}
	}
	for i := len(w.made) - 1; i >= 0; i-- {
		m := w.made[i]
		if rerr := unix.Unlinkat(m.parent, m.name, unix.AT_REMOVEDIR); rerr != nil {
			errs = append(errs, w.o.fail(m.rel, "remove parent made", rerr))
		}
	}
	if w.o.watchMade || len(w.made) > 0 {
		errs = append(errs, w.restoreTimes())
	}
	return errors.Join(errs...)
}

// openDstDir opens the existing directory name in dirfd, not following a
// symlink, as a directory new entries are made in.
func openDstDir(dirfd int, name string) (dstDir, unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return dstDir{}, st, err
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return dstDir{}, st, err
	}
	return dstDir{fd: fd, setgid: st.Mode&unix.S_ISGID != 0, gid: st.Gid}, st, nil
}

func (w *upWalk) closeAll() {
	for _, fd := range w.fds {
		unix.Close(fd)
	}
}
