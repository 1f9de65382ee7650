package archive

import (
	"errors"
	"fmt"
	"os"

	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// The on-disk whiteouts are made here at the descriptor level, not with
// whiteout.MakeWhiteout and MakeOpaque: those take a directory path, and
// a path string under the root could go through a symlink that an
// earlier entry made (and so leave the root).

// whiteout applies the whiteout of target in the directory dir. A
// whiteout hides lower layers only: when this layer already has target,
// its own entry wins, and a directory becomes opaque (the layer deleted
// the lower one and made its own). Otherwise the whiteout is stored in
// the layer's form; an entry of this layer made at target later replaces
// it (see makeRoom).
func (a *applier) whiteout(dir, target string) error {
	dfd, err := a.parentDir(dir)
	if err != nil {
		return err
	}
	p := joinPath(dir, target)
	st, err := lstatAt(dfd, target)
	switch {
	case err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR:
		return a.opaqueAt(dfd, target, p)
	case err == nil:
		return nil // this layer's own entry, or its whiteout already
	case !errors.Is(err, unix.ENOENT):
		return &os.PathError{Op: "lstat", Path: p, Err: err}
	}
	if err := a.makeWhiteoutAt(dfd, target); err != nil {
		return fmt.Errorf("whiteout of %q: %w", p, err)
	}
	a.whiteouts++
	return nil
}

// opaque makes the directory dir opaque (an opaque marker entry). It
// only marks: what this layer already unpacked in dir stays, wherever the
// marker comes among dir's entries, and a lower layer's entries are not
// in the root to delete.
func (a *applier) opaque(dir string) error {
	if dir == "" {
		return a.opaqueAt(a.rootFD, ".", ".")
	}
	// A marker below a symlink marks the directory it leads to, inside
	// the root; a missing directory is made as an implied one.
	h, err := a.openDir(dir)
	if err != nil {
		return err
	}
	defer unix.Close(h)
	return a.opaqueAt(h, ".", dir)
}

// opaqueAt marks the directory name in dfd opaque.
func (a *applier) opaqueAt(dfd int, name, p string) error {
	fd, err := openDirAt(dfd, name, p)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := a.markOpaque(fd); err != nil {
		return fmt.Errorf("opaque directory %q: %w", p, err)
	}
	return nil
}

// markOpaque marks the directory open as fd opaque in the layer's form.
// Marking it again is harmless.
func (a *applier) markOpaque(fd int) error {
	if a.opts.Whiteouts == whiteout.AUFS {
		return a.createMarkerAt(fd, whiteout.OpaqueName)
	}
	key := a.opts.Whiteouts.OpaqueXattr()
	err := unix.Fsetxattr(fd, key, []byte("y"), 0)
	switch {
	case errors.Is(err, unix.EPERM) && a.opts.Whiteouts == whiteout.Overlay:
		return fmt.Errorf("setxattr %s: %w (trusted.* needs CAP_SYS_ADMIN; use OverlayUserXattr in a user namespace)", key, err)
	case err != nil:
		return fmt.Errorf("setxattr %s: %w", key, err)
	}
	return nil
}

// makeWhiteoutAt stores the whiteout of name in dfd: an empty file
// ".wh.<name>" (AUFS) or a char device 0/0 named name (overlay forms),
// owned by the layer's root.
func (a *applier) makeWhiteoutAt(dfd int, name string) error {
	if a.opts.Whiteouts == whiteout.AUFS {
		return a.createMarkerAt(dfd, whiteout.Name(name))
	}
	err := unix.Mknodat(dfd, name, unix.S_IFCHR|whiteout.DevicePerm, 0)
	if errors.Is(err, unix.EPERM) {
		return fmt.Errorf("mknod: %w (a char 0/0 whiteout needs CAP_MKNOD, or a user namespace on Linux 5.8 or later)", err)
	}
	if err != nil {
		return fmt.Errorf("mknod: %w", err)
	}
	return a.chown(func(uid, gid int) error {
		return unix.Fchownat(dfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW)
	}, a.rootUID, a.rootGID)
}

// createMarkerAt creates the empty AUFS file name (a whiteout or the
// opaque marker) in dfd, mode whiteout.MarkerPerm, owned by the layer's
// root. A regular file already there is success.
func (a *applier) createMarkerAt(dfd int, name string) error {
	fd, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if errors.Is(err, unix.EEXIST) {
		if st, serr := lstatAt(dfd, name); serr == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
			return nil
		}
	}
	if err != nil {
		return &os.PathError{Op: "create", Path: name, Err: err}
	}
	defer unix.Close(fd)
	if err := a.chown(func(uid, gid int) error { return unix.Fchown(fd, uid, gid) }, a.rootUID, a.rootGID); err != nil {
		return err
	}
	if err := unix.Fchmod(fd, whiteout.MarkerPerm); err != nil {
		return &os.PathError{Op: "chmod", Path: name, Err: err}
	}
	return nil
}
