package drivertest

import (
	"errors"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

var kindOfMode = map[uint32]FileType{
	unix.S_IFDIR: TypeDir, unix.S_IFREG: TypeFile, unix.S_IFLNK: TypeSymlink,
	unix.S_IFIFO: TypeFifo, unix.S_IFSOCK: TypeSocket,
	unix.S_IFCHR: TypeChar, unix.S_IFBLK: TypeBlock,
}

// statEntry lstats full and reads its xattrs and symlink target.
func statEntry(full string, cfg snapshotConfig) (Entry, fileID, error) {
	var st unix.Stat_t
	if err := unix.Lstat(full, &st); err != nil {
		return Entry{}, fileID{}, err
	}
	e := Entry{
		Type: kindOfMode[st.Mode&unix.S_IFMT],
		Mode: st.Mode & 0o7777,
		UID:  int(st.Uid),
		GID:  int(st.Gid),
	}
	switch e.Type {
	case TypeFile:
		e.Size = st.Size
	case TypeChar, TypeBlock:
		e.Major, e.Minor = unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev))
	case TypeSymlink:
		target, err := os.Readlink(full)
		if err != nil {
			return Entry{}, fileID{}, err
		}
		e.Target = target
	}
	if cfg.modTime {
		e.ModTime = time.Unix(st.Mtim.Unix()).UTC()
	}
	xattrs, err := readXattrs(full)
	e.Xattrs = xattrs
	return e, fileID{dev: uint64(st.Dev), ino: st.Ino}, err
}

// readXattrs returns the xattrs of full itself, sorted, without the
// ignored ones.
func readXattrs(full string) ([]Xattr, error) {
	names, err := listXattrs(full)
	if err != nil {
		return nil, err
	}
	var out []Xattr
	for _, name := range names {
		if ignoredXattr(name) {
			continue
		}
		value, err := getXattr(full, name)
		if errors.Is(err, unix.ENODATA) {
			continue // removed since the listing
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Xattr{Name: name, Value: string(value)})
	}
	slices.SortFunc(out, func(a, b Xattr) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func listXattrs(full string) ([]string, error) {
	buf, err := readSized(func(dest []byte) (int, error) { return unix.Llistxattr(full, dest) })
	if errors.Is(err, unix.ENOTSUP) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range strings.Split(string(buf), "\x00") {
		if n != "" {
			names = append(names, n)
		}
	}
	return names, nil
}

func getXattr(full, name string) ([]byte, error) {
	return readSized(func(dest []byte) (int, error) { return unix.Lgetxattr(full, name, dest) })
}

// readSized calls a get-into-buffer syscall with a growing buffer, as
// the size may change between the size query and the read.
func readSized(call func(dest []byte) (int, error)) ([]byte, error) {
	for {
		size, err := call(nil)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size)
		n, err := call(buf)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}
