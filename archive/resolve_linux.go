package archive

import (
	"errors"
	"fmt"
	"os"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
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
		return a.rootFD, nil
	}
	if a.parents.stale {
		a.forgetParent()
	}
	if fd, ok := a.parents.get(dir); ok {
		return fd, nil
	}
	fd, err := a.openDir(dir)
	if err != nil {
		return -1, err
	}
	a.parents.put(dir, fd)
	return fd, nil
}

// forgetParent closes every cached parent.
func (a *applier) forgetParent() { a.parents.clear() }

// staleParent makes the next parentDir resolve again. Whatever removes or
// replaces an entry calls it, so that a cached resolution never outlives
// a change to the names it may have gone through; the handle stays open
// for the entry being applied.
func (a *applier) staleParent() { a.parents.stale = true }

// resolve opens the directory at p (relative to the root, not "")
// resolved inside the root, following a symlink at the end too (inside
// the root); flags is O_PATH or O_RDONLY. Where the kernel has openat2 it
// does the walk (RESOLVE_IN_ROOT); pathrs-lite's checked O_PATH walk
// stands in where it has not. openat2 is called here rather than through
// pathrs-lite because pathrs-lite names each handle it returns through
// /proc (five more syscalls per lookup), a name Apply never uses.
func (a *applier) resolve(p string, flags int) (int, error) {
	how := unix.OpenHow{
		Flags:   uint64(flags | unix.O_DIRECTORY | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	for try := 0; ; try++ {
		fd, err := unix.Openat2(a.rootFD, p, &how)
		switch {
		case err == nil:
			return fd, nil
		case errors.Is(err, unix.EAGAIN) && try < 32:
			continue // a rename somewhere in the root raced the walk
		case !errors.Is(err, unix.ENOSYS):
			return -1, &os.PathError{Op: "openat2", Path: p, Err: err}
		}
		return a.resolveWalk(p, flags)
	}
}

// resolveOrRoot is resolve that takes "" for the root itself.
func (a *applier) resolveOrRoot(p string, flags int) (int, error) {
	if p == "" {
		return openDirAt(a.rootFD, ".", ".")
	}
	return a.resolve(p, flags)
}

// resolveWalk is resolve on kernels without openat2 (before 5.6).
func (a *applier) resolveWalk(p string, flags int) (int, error) {
	h, err := pathrs.OpenatInRoot(a.root, p)
	if err != nil {
		return -1, err
	}
	defer h.Close()
	fd, err := unix.Openat(int(h.Fd()), ".", flags|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: p, Err: err}
	}
	return fd, nil
}

// openDir resolves dir in the root (an O_PATH handle); when it or one of
// its parents is missing it makes them (mkdirAll).
func (a *applier) openDir(dir string) (int, error) {
	fd, err := a.resolve(dir, unix.O_PATH)
	if err == nil {
		return fd, nil
	}
	if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR) {
		return -1, resolveErr(dir, err)
	}
	return a.mkdirAll(dir)
}

// mkdirAll walks dir one name at a time, resolving each prefix in the root
// and making the directories that are missing (see implyDir). A prefix
// that is there but no directory goes to implyDir too, which replaces a
// whiteout of this layer and refuses anything else.
func (a *applier) mkdirAll(dir string) (int, error) {
	cur := -1 // the root
	fdOf := func() int {
		if cur < 0 {
			return a.rootFD
		}
		return cur
	}
	names := strings.Split(dir, "/")
	for i, name := range names {
		prefix := strings.Join(names[:i+1], "/")
		next, err := a.resolve(prefix, unix.O_PATH)
		switch {
		case err == nil:
		case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR):
			next, err = a.implyDir(fdOf(), name, prefix)
		default:
			err = resolveErr(prefix, err)
		}
		if cur >= 0 {
			unix.Close(cur)
		}
		if err != nil {
			return -1, err
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
func (a *applier) implyDir(dfd int, name, prefix string) (int, error) {
	room, err := a.makeRoomForParent(dfd, name, prefix)
	if err != nil {
		return -1, err
	}
	if err := unix.Mkdirat(dfd, name, 0o700); err != nil {
		return -1, &os.PathError{Op: "mkdir", Path: prefix, Err: err}
	}
	fd, err := openDirAt(dfd, name, prefix)
	if err != nil {
		return -1, err
	}
	err = a.chown(func(uid, gid int) error { return unix.Fchown(fd, uid, gid) }, a.rootUID, a.rootGID)
	if err == nil {
		err = unix.Fchmod(fd, 0o755)
	}
	if err == nil && room.whitedOut {
		err = a.markOpaque(fd)
	}
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("implied directory %q: %w", prefix, err)
	}
	return fd, nil
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
