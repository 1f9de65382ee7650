package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"os"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/dirent"
	"golang.org/x/sys/unix"
)

// newEntry is an entry about to be made: the name base in the parent dfd.
type newEntry struct {
	dfd    int
	path   string // cleaned path, for messages and records
	base   string
	hdr    *tar.Header
	xattrs []xattr
	room   room
	// roomLater: nothing was cleared for the entry yet; make room only if
	// creating it finds something in the way.
	roomLater bool
	// linkTarget is the cleaned target of a hardlink.
	linkTarget string
}

// createFile makes a regular file: content, then owner, mode, xattrs,
// times, all through the one descriptor that created it.
func (a *applier) createFile(e *newEntry) error {
	if a.lim.MaxBytes >= 0 && e.hdr.Size > a.lim.MaxBytes-a.written {
		return invalid("layer content over %d bytes", a.lim.MaxBytes)
	}
	fd, err := createAt(e.dfd, e.base, e.path)
	if e.roomLater && errors.Is(err, unix.EEXIST) {
		if e.room, err = a.makeRoom(e.dfd, e.path, e.base, false); err != nil {
			return err
		}
		fd, err = createAt(e.dfd, e.base, e.path)
	}
	if err != nil {
		return err
	}
	if a.canHandOff(e) {
		return a.handOff(fd, e)
	}
	defer unix.Close(fd)
	n, err := a.copyContent(fd, e.hdr)
	a.written += n
	switch {
	case err != nil && isFormatError(err):
		return fmt.Errorf("read content: %w: %w", err, graphdriver.ErrInvalidLayer)
	case err != nil:
		return fmt.Errorf("write content: %w", err)
	}
	return a.setFileMeta(fd, e.path, e.hdr, e.xattrs)
}

// setFileMeta sets owner, mode (after the owner: chown clears setuid),
// xattrs (after the owner: chown clears security.capability) and times of
// a regular file open for writing (path p), all through the descriptor.
// It only reads the applier's options: workers call it concurrently.
func (a *applier) setFileMeta(fd int, p string, hdr *tar.Header, xs []xattr) error {
	if err := a.chownEntry(hdr, func(uid, gid int) error { return unix.Fchown(fd, uid, gid) }); err != nil {
		return err
	}
	if err := unix.Fchmod(fd, modeOf(hdr)); err != nil {
		return &os.PathError{Op: "chmod", Path: p, Err: err}
	}
	if err := a.setXattrs(xs, fdXattrSetter(fd)); err != nil {
		return err
	}
	if err := futimens(fd, timesOf(hdr)); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

// createDir makes a directory, or keeps the one there (duplicates keep
// contents, replace attributes). Its mode and times are set at the end,
// once its children are in: until then it is 0700, so that an
// unprivileged Apply can fill a directory whose final mode is read-only.
func (a *applier) createDir(e *newEntry) error {
	if !e.room.keepDir {
		if err := unix.Mkdirat(e.dfd, e.base, 0o700); err != nil {
			return &os.PathError{Op: "mkdir", Path: e.path, Err: err}
		}
	}
	fd, err := openDirAt(e.dfd, e.base, e.path)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := a.setDirMeta(fd, e.path, e.hdr, e.xattrs, e.room.keepDir); err != nil {
		return err
	}
	if e.room.whitedOut {
		return a.markOpaque(fd)
	}
	return nil
}

// rootEntry applies the attributes of the tar's root entry ("./") to
// the layer root. Only a directory can be the root.
func (a *applier) rootEntry(hdr *tar.Header, xs []xattr) error {
	if hdr.Typeflag != tar.TypeDir && hdr.Typeflag != typeGNUDumpDir {
		return invalid("entry of type %q would replace the layer root", hdr.Typeflag)
	}
	fd, err := openDirAt(a.rootFD, ".", ".")
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return a.setDirMeta(fd, "", hdr, xs, true)
}

// createSymlink makes a symlink. Its target is stored as given (absolute
// targets resolve inside the root whenever Apply follows one); owner and
// times are set on the link itself.
func (a *applier) createSymlink(e *newEntry) error {
	if e.hdr.Linkname == "" {
		return invalid("symlink with an empty target")
	}
	if err := unix.Symlinkat(e.hdr.Linkname, e.dfd, e.base); err != nil {
		return &os.PathError{Op: "symlink", Path: e.path, Err: err}
	}
	return a.setNodeMeta(e, false)
}

// createNode makes a fifo or a device node. Device nodes are refused when
// mknod says EPERM: the process lacks CAP_MKNOD, or is in a user
// namespace.
func (a *applier) createNode(e *newEntry) error {
	mode := uint32(unix.S_IFIFO)
	switch e.hdr.Typeflag {
	case tar.TypeChar:
		mode = unix.S_IFCHR
	case tar.TypeBlock:
		mode = unix.S_IFBLK
	}
	dev := unix.Mkdev(uint32(e.hdr.Devmajor), uint32(e.hdr.Devminor))
	err := unix.Mknodat(e.dfd, e.base, mode|0o600, int(dev))
	if errors.Is(err, unix.EPERM) && mode != unix.S_IFIFO {
		return fmt.Errorf("device node %d:%d needs CAP_MKNOD outside a user namespace: mknod: %w: %w",
			e.hdr.Devmajor, e.hdr.Devminor, err, graphdriver.ErrInvalidLayer)
	}
	if err != nil {
		return &os.PathError{Op: "mknod", Path: e.path, Err: err}
	}
	return a.setNodeMeta(e, true)
}

// setNodeMeta sets owner, mode (unless a symlink), xattrs and times of a
// symlink, fifo or device node by name in its parent, never following it
// and never opening it (opening a fifo or a device has side effects).
func (a *applier) setNodeMeta(e *newEntry, chmod bool) error {
	chown := func(uid, gid int) error {
		return unix.Fchownat(e.dfd, e.base, uid, gid, unix.AT_SYMLINK_NOFOLLOW)
	}
	if err := a.chownEntry(e.hdr, chown); err != nil {
		return err
	}
	if chmod {
		if err := chmodNoFollow(e.dfd, e.base, modeOf(e.hdr)); err != nil {
			return &os.PathError{Op: "chmod", Path: e.path, Err: err}
		}
	}
	if err := a.setXattrs(e.xattrs, nameXattrSetter(e.dfd, e.base)); err != nil {
		return err
	}
	return setTimesAt(e.dfd, e.base, e.hdr)
}

// createAt creates the regular file name in dfd, which must not exist,
// open for writing (p is its path, for messages). Descriptors here stay
// raw: an *os.File costs an fcntl to make and a finalizer to track, per
// file.
func createAt(dfd int, name, p string) (int, error) {
	fd, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return -1, &os.PathError{Op: "create", Path: p, Err: err}
	}
	return fd, nil
}

// openDirAt opens the directory name in dfd for reading, refusing a
// symlink (p is its path, for messages).
func openDirAt(dfd int, name, p string) (int, error) {
	fd, err := unix.Openat(dfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: p, Err: err}
	}
	return fd, nil
}

// lstatAt stats name in dfd without following it.
func lstatAt(dfd int, name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	return st, err
}

// removeAllAt removes name in dfd and, when it is a directory, all it
// holds, without following any symlink: everything below is reached by
// descriptors opened with O_NOFOLLOW. Directories are this layer's own,
// mode 0700 until the end, so an unprivileged Apply can empty them.
func removeAllAt(dfd int, name, p string) error {
	err := unix.Unlinkat(dfd, name, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.EISDIR) {
		return &os.PathError{Op: "unlink", Path: p, Err: err}
	}
	d, err := openDirAt(dfd, name, p)
	if err != nil {
		return err
	}
	var buf []byte
	names, err := dirent.Names(d, &buf)
	if err == nil {
		for _, n := range names {
			if err = removeAllAt(d, n, p+"/"+n); err != nil {
				break
			}
		}
	}
	unix.Close(d)
	if err != nil {
		return err
	}
	if err := unix.Unlinkat(dfd, name, unix.AT_REMOVEDIR); err != nil {
		return &os.PathError{Op: "rmdir", Path: p, Err: err}
	}
	return nil
}
