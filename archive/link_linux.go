package archive

import (
	"errors"
	"fmt"
	"io"
	"os"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// linkTarget checks the target of the hardlink entry at p and returns it
// cleaned. The target may not climb out of the root, be the root, a
// whiteout or AUFS metadata, or the entry itself.
func (a *applier) linkTarget(p, linkname string) (string, error) {
	if linkname == "" {
		return "", invalid("hardlink with an empty target")
	}
	t, err := cleanName(linkname, a.lim)
	if err != nil {
		return "", fmt.Errorf("hardlink target: %w", err)
	}
	kind, _, err := classify(t)
	switch {
	case err != nil:
		return "", fmt.Errorf("hardlink target: %w", err)
	case t == "":
		return "", invalid("hardlink to the layer root")
	case kind != kindPlain:
		return "", invalid("hardlink to whiteout or aufs metadata %q", t)
	case t == p:
		return "", invalid("hardlink to itself")
	}
	return t, nil
}

// createLink makes a hardlink: to the target in this layer when it is
// there (link(2) inside the root, the target resolved inside it and the
// link never following a symlink target), else to the copy already made
// of a lower file, else it copies the lower file in (a diff dir cannot
// link into another layer). A hardlink entry sets no metadata: the inode
// is the target's, set by the target's own entry.
func (a *applier) createLink(e *newEntry) error {
	ok, err := a.linkInRoot(e, e.linkTarget)
	if ok || err != nil {
		return err
	}
	if c, found := a.lowerCopies[e.linkTarget]; found {
		if ok, err = a.linkInRoot(e, c); ok || err != nil {
			return err
		}
	}
	return a.copyLower(e, e.linkTarget)
}

// linkInRoot links e to the path t of the layer, and reports false when
// t is not in the layer.
func (a *applier) linkInRoot(e *newEntry, t string) (bool, error) {
	tdir, tbase := splitPath(t)
	tfd := a.rootFD
	if tdir != "" {
		h, err := a.resolve(tdir, unix.O_PATH)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return false, nil
		}
		if err != nil {
			return false, resolveErr(tdir, err)
		}
		defer unix.Close(h)
		tfd = h
	}
	st, err := lstatAt(tfd, tbase)
	switch {
	case errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR):
		if a.hasAUFSWhiteout(tfd, tbase) {
			return false, invalid("hardlink to %q, which this layer deletes", t)
		}
		return false, nil
	case err != nil:
		return false, &os.PathError{Op: "lstat", Path: t, Err: err}
	case st.Mode&unix.S_IFMT == unix.S_IFDIR:
		return false, invalid("hardlink to directory %q", t)
	case a.isDeviceWhiteout(&st):
		return false, invalid("hardlink to %q, which this layer deletes", t)
	}
	if err := unix.Linkat(tfd, tbase, e.dfd, e.base, 0); err != nil {
		return false, &os.PathError{Op: "link", Path: e.path, Err: err}
	}
	return true, nil
}

// hasAUFSWhiteout reports whether this layer stored an AUFS whiteout of
// name in dfd.
func (a *applier) hasAUFSWhiteout(dfd int, name string) bool {
	if a.opts.Whiteouts != whiteout.AUFS || a.whiteouts == 0 {
		return false
	}
	_, err := lstatAt(dfd, whiteout.Name(name))
	return err == nil
}

// copyLower copies the lower layer's file t in as e: content, owner (host
// ids already: no mapping), mode, xattrs and times of the lower inode.
func (a *applier) copyLower(e *newEntry, t string) error {
	lf, st, err := a.openLower(t)
	if err != nil {
		return err
	}
	defer lf.Close()
	if a.lim.MaxBytes >= 0 && st.Size > a.lim.MaxBytes-a.written {
		return invalid("layer content over %d bytes", a.lim.MaxBytes)
	}
	fd, err := createAt(e.dfd, e.base, e.path)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), e.path) // for ReadFrom's copy_file_range
	defer f.Close()
	n, err := f.ReadFrom(io.LimitReader(lf, st.Size)) // copy_file_range where it can
	a.written += n
	if err == nil && n != st.Size {
		err = fmt.Errorf("lower file %q changed size while copied", t)
	}
	if err == nil {
		err = a.copyLowerMeta(f, lf, &st)
	}
	if err != nil {
		return fmt.Errorf("copy lower file %q: %w", t, err)
	}
	if err := unix.UtimesNanoAt(e.dfd, e.base, []unix.Timespec{st.Atim, st.Mtim}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	a.lowerCopies[t] = e.path
	return nil
}

// openLower opens the lower layer's file t through ApplyOptions.Lower; it
// must be a regular file open for reading.
func (a *applier) openLower(t string) (*os.File, unix.Stat_t, error) {
	var st unix.Stat_t
	if a.opts.Lower == nil {
		return nil, st, invalid("hardlink target %q is not in the layer", t)
	}
	lf, err := a.opts.Lower(t)
	if errors.Is(err, os.ErrNotExist) {
		return nil, st, fmt.Errorf("hardlink target %q is in no layer: %w: %w", t, err, graphdriver.ErrInvalidLayer)
	}
	if err != nil {
		return nil, st, fmt.Errorf("hardlink target %q in a lower layer: %w", t, err)
	}
	if err := unix.Fstat(int(lf.Fd()), &st); err != nil {
		lf.Close()
		return nil, st, fmt.Errorf("hardlink target %q in a lower layer: stat: %w", t, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		lf.Close()
		return nil, st, invalid("hardlink target %q in a lower layer is not a regular file", t)
	}
	return lf, st, nil
}

// copyLowerMeta gives f the owner, mode and xattrs of the lower file lf.
func (a *applier) copyLowerMeta(f, lf *os.File, st *unix.Stat_t) error {
	fd := int(f.Fd())
	set := func(uid, gid int) error { return unix.Fchown(fd, uid, gid) }
	if err := a.chown(set, int(st.Uid), int(st.Gid)); err != nil {
		return err
	}
	if err := unix.Fchmod(fd, st.Mode&0o7777); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	keys, err := listXattrs(int(lf.Fd()))
	if err != nil {
		return err
	}
	var xs []xattr
	for _, k := range keys {
		if whiteout.IsOverlayInternalXattr(k) || k == droppedXattr {
			continue
		}
		v, err := getXattr(int(lf.Fd()), k)
		if err != nil {
			return err
		}
		xs = append(xs, xattr{key: k, value: v})
	}
	return a.setXattrs(xs, fdXattrSetter(fd))
}

// getXattr returns the value of the xattr key of fd.
func getXattr(fd int, key string) ([]byte, error) {
	for {
		n, err := unix.Fgetxattr(fd, key, nil)
		if err != nil {
			return nil, fmt.Errorf("getxattr %s: %w", key, err)
		}
		buf := make([]byte, n)
		n, err = unix.Fgetxattr(fd, key, buf)
		if errors.Is(err, unix.ERANGE) {
			continue // grew in between
		}
		if err != nil {
			return nil, fmt.Errorf("getxattr %s: %w", key, err)
		}
		return buf[:n], nil
	}
}
