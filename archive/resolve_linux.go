package archive

import (
	"errors"
	"fmt"
	"os"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"

	"github.com/layerfs/graphdriver/whiteout"
)

// Every path of the tar is resolved inside the root with pathrs-lite
// (openat2 RESOLVE_IN_ROOT, or its checked O_PATH walk on kernels without
// openat2): symlinks made by earlier entries, absolute ones included,
// resolve inside the root and never on the host. Only a parent directory
// is resolved that way; the last name is then made with a *at syscall
// relative to the parent's handle, and never followed.

// parentDir returns a handle (O_PATH) to the directory dir, relative to
// the root, making missing directories on the way. The handle stays owned
// by the cache: it is valid until the next parentDir or forgetParent.
func (a *applier) parentDir(dir string) (int, error) {
	if dir == "" {
		return int(a.root.Fd()), nil
	}
	if a.parent.f != nil && a.parent.path == dir && !a.parent.stale {
		return int(a.parent.f.Fd()), nil
	}
	a.forgetParent()
	f, err := a.openDir(dir)
	if err != nil {
		return -1, err
	}
	a.parent.path, a.parent.f = dir, f
	return int(f.Fd()), nil
}

// forgetParent closes the cached parent.
func (a *applier) forgetParent() {
	if a.parent.f != nil {
		a.parent.f.Close()
	}
	a.parent.path, a.parent.f, a.parent.stale = "", nil, false
}

// staleParent makes the next parentDir resolve again. Whatever removes or
// replaces an entry calls it, so that a cached resolution never outlives
// a change to the names it may have gone through; the handle stays open
// for the entry being applied.
func (a *applier) staleParent() { a.parent.stale = true }

// openDir resolves dir in the root and checks it is a directory; when it
// or one of its parents is missing it makes them (mkdirAll).
func (a *applier) openDir(dir string) (*os.File, error) {
	f, err := pathrs.OpenatInRoot(a.root, dir)
	if err == nil {
		if isDirFile(f) {
			return f, nil
		}
		f.Close()
	} else if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR) {
		return nil, resolveErr(dir, err)
	}
	return a.mkdirAll(dir)
}

// mkdirAll walks dir one name at a time, resolving each prefix in the root
// and making the directories that are missing (see implyDir).
func (a *applier) mkdirAll(dir string) (*os.File, error) {
	var cur *os.File // nil: the root
	fdOf := func() int {
		if cur == nil {
			return int(a.root.Fd())
		}
		return int(cur.Fd())
	}
	names := strings.Split(dir, "/")
	for i, name := range names {
		prefix := strings.Join(names[:i+1], "/")
		next, err := pathrs.OpenatInRoot(a.root, prefix)
		switch {
		case err == nil && isDirFile(next):
		case err == nil || errors.Is(err, unix.ENOENT):
			if next != nil {
				next.Close()
			}
			next, err = a.implyDir(fdOf(), name, prefix)
		default:
			err = resolveErr(prefix, err)
		}
		if cur != nil {
			cur.Close()
		}
		if err != nil {
			return nil, err
		}
		cur = next
	}
	return cur, nil
}

// implyDir makes the directory name in dfd that the tar implies but has
// not listed (yet): mode 0755, owned by the (remapped) root. A later
// entry of the directory replaces these attributes. A whiteout of this
// layer in the way is replaced, and the directory becomes opaque (the
// layer deleted the lower one and made it anew). Anything else in the
// way (a file, a symlink that does not lead to a directory inside the
// root) is an error.
func (a *applier) implyDir(dfd int, name, prefix string) (*os.File, error) {
	room, err := a.makeRoomForParent(dfd, name, prefix)
	if err != nil {
		return nil, err
	}
	if err := unix.Mkdirat(dfd, name, 0o700); err != nil {
		return nil, &os.PathError{Op: "mkdir", Path: prefix, Err: err}
	}
	f, err := openDirAt(dfd, name, prefix)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	err = a.chown(func(uid, gid int) error { return unix.Fchown(fd, uid, gid) }, a.rootUID, a.rootGID)
	if err == nil {
		err = unix.Fchmod(fd, 0o755)
	}
	if err == nil && room.whitedOut {
		err = a.markOpaque(fd)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("implied directory %q: %w", prefix, err)
	}
	return f, nil
}

// makeRoomForParent clears the way for an implied directory: only a
// whiteout of this layer may be there.
func (a *applier) makeRoomForParent(dfd int, name, prefix string) (room, error) {
	st, err := lstatAt(dfd, name)
	switch {
	case errors.Is(err, unix.ENOENT):
		return a.clearAUFSWhiteout(dfd, name, prefix)
	case err != nil:
		return room{}, &os.PathError{Op: "lstat", Path: prefix, Err: err}
	case a.isDeviceWhiteout(&st):
		a.staleParent()
		if err := unix.Unlinkat(dfd, name, 0); err != nil {
			return room{}, &os.PathError{Op: "unlink", Path: prefix, Err: err}
		}
		return room{whitedOut: true}, nil
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return room{}, invalid("parent %q is a symlink that leads to no directory in the layer", prefix)
	}
	return room{}, invalid("parent %q is not a directory", prefix)
}

// room says what was in the way of a new entry.
type room struct {
	keepDir   bool // a directory is there and the entry is one: keep it
	whitedOut bool // a whiteout of this layer was there: it is gone
}

// makeRoom clears the name base in dfd for a new entry (p is its path).
// Duplicates: the last entry wins, so what is there goes, whole trees
// included, except that a directory entry over a directory keeps it (and
// its contents) and replaces only its attributes. Nothing is ever
// followed: a symlink in the way is removed, not written through.
func (a *applier) makeRoom(dfd int, p, base string, isDir bool) (room, error) {
	st, err := lstatAt(dfd, base)
	switch {
	case errors.Is(err, unix.ENOENT):
		return a.clearAUFSWhiteout(dfd, base, p)
	case err != nil:
		return room{}, &os.PathError{Op: "lstat", Path: p, Err: err}
	case isDir && st.Mode&unix.S_IFMT == unix.S_IFDIR:
		return room{keepDir: true}, nil
	}
	r := room{whitedOut: a.isDeviceWhiteout(&st)}
	a.staleParent()
	a.forgetDirs(p)
	if err := removeAllAt(dfd, base, p); err != nil {
		return room{}, err
	}
	return r, nil
}

// clearAUFSWhiteout removes the AUFS whiteout of name in dfd, if this
// layer made one: the layer's own entry wins over its whiteout.
func (a *applier) clearAUFSWhiteout(dfd int, name, p string) (room, error) {
	if a.opts.Whiteouts != whiteout.AUFS || a.whiteouts == 0 {
		return room{}, nil
	}
	err := unix.Unlinkat(dfd, whiteout.Name(name), 0)
	switch {
	case err == nil:
		return room{whitedOut: true}, nil
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENAMETOOLONG):
		return room{}, nil
	}
	return room{}, &os.PathError{Op: "unlink", Path: whiteout.Name(p), Err: err}
}

// isDeviceWhiteout reports whether st is a whiteout this layer made in an
// overlay form: a char device 0/0, which a tar can never create.
func (a *applier) isDeviceWhiteout(st *unix.Stat_t) bool {
	return a.opts.Whiteouts != whiteout.AUFS && st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0
}

// forgetDirs drops the directory records of p and of what is below it:
// they are about to be removed. The records form a tree by name, so each
// is dropped at most once, whatever the tar does.
func (a *applier) forgetDirs(p string) {
	delete(a.dirs, p)
	kids := a.dirKids[p]
	delete(a.dirKids, p)
	for _, k := range kids {
		a.forgetDirs(k)
	}
}

// resolveErr reports a path of the tar that cannot be resolved: symlink
// loops and non-directories on the way are the tar's fault.
func resolveErr(p string, err error) error {
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return fmt.Errorf("resolve %q: %w", p, invalid("%v", err))
	}
	return fmt.Errorf("resolve %q: %w", p, err)
}
