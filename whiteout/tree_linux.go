package whiteout

import (
	"fmt"
	"os"
	"path"
	"slices"

	"github.com/layerfs/graphdriver/internal/dirent"
	"golang.org/x/sys/unix"
)

func convertTree(root string, from, to Format) error {
	rootfd, err := openDir(root)
	if err != nil {
		return err
	}
	defer unix.Close(rootfd)
	var ops []op
	if err := planTree(rootfd, "/", from, to, &ops); err != nil {
		return err
	}
	if from == to {
		return nil
	}
	for _, o := range ops {
		if err := applyOp(rootfd, o, from, to); err != nil {
			return entryError(o.dir, o.name, err)
		}
	}
	return nil
}

// planTree walks the directory dfd, whose key is dir, and appends its
// ops and those of every directory below it. It holds one descriptor per
// level of depth.
func planTree(dfd int, dir string, from, to Format, ops *[]op) error {
	l, err := listDir(dfd, dir, from)
	if err != nil {
		return err
	}
	dirOps, subdirs, err := planDir(l, from, to)
	if err != nil {
		return err
	}
	*ops = append(*ops, dirOps...)
	for _, name := range subdirs {
		fd, err := unix.Openat(dfd, name, dirFlags, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: relName(path.Join(dir, name)), Err: err}
		}
		err = planTree(fd, path.Join(dir, name), from, to, ops)
		unix.Close(fd)
		if err != nil {
			return err
		}
	}
	return nil
}

// listDir lists the directory dfd, in name order so that plans and errors
// do not depend on the order of the directory.
func listDir(dfd int, dir string, from Format) (listing, error) {
	l := listing{dir: dir}
	var buf []byte
	names, err := dirent.Names(dfd, &buf)
	if err != nil {
		return l, &os.PathError{Op: "readdir", Path: relName(dir), Err: err}
	}
	slices.Sort(names)
	for _, name := range names {
		var st unix.Stat_t
		if err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return l, &os.PathError{Op: "lstat", Path: relName(path.Join(dir, name)), Err: err}
		}
		l.entries = append(l.entries, dirEntry{name: name, kind: kindOf(st.Mode, uint64(st.Rdev))})
	}
	if from.isOverlay() {
		l.opaque, err = hasOpaqueXattr(dfd, from.OpaqueXattr())
		if err != nil {
			return l, fmt.Errorf("%s: %w", relName(dir), err)
		}
	}
	return l, nil
}

// openKey opens the directory at key k below rootfd, one element at a
// time, never following a symlink.
func openKey(rootfd int, k string) (int, error) {
	fd, err := unix.Openat(rootfd, ".", dirFlags, 0)
	if err != nil {
		return -1, err
	}
	for _, name := range components(k) {
		next, err := unix.Openat(fd, name, dirFlags, 0)
		unix.Close(fd)
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: relName(k), Err: err}
		}
		fd = next
	}
	return fd, nil
}

// applyOp makes one planned change: the new form first, then the old one
// goes.
func applyOp(rootfd int, o op, from, to Format) error {
	dfd, err := openKey(rootfd, o.dir)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	switch o.kind {
	case opWhiteout:
		if from.isOverlay() && to.isOverlay() {
			return nil // the same char 0/0 in both
		}
		if err := makeWhiteoutAt(dfd, o.name, to); err != nil {
			return err
		}
		return unlinkWhiteoutAt(dfd, o.name, from)
	case opDropWhiteout:
		return unlinkWhiteoutAt(dfd, o.name, from)
	case opOpaque:
		if err := addOpaqueAt(dfd, to); err != nil {
			return err
		}
		return removeOpaqueAt(dfd, from)
	case opAddOpaque:
		return addOpaqueAt(dfd, to)
	}
	return nil
}

// unlinkWhiteoutAt removes the whiteout of name in the form f from dfd.
func unlinkWhiteoutAt(dfd int, name string, f Format) error {
	if f == AUFS {
		name = Name(name)
	}
	if err := unix.Unlinkat(dfd, name, 0); err != nil {
		return &os.PathError{Op: "unlink", Path: name, Err: err}
	}
	return nil
}
