package fstree

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/layerfs/graphdriver/archive"
	dents "github.com/layerfs/graphdriver/internal/dirent"
	xattrs "github.com/layerfs/graphdriver/internal/xattr"
	"golang.org/x/sys/unix"
)

// List returns the entries of dir sorted by name (byte order), each as
// lstat shows it. It follows dir itself only when it is a root (follow):
// inside a tree a symlink is never followed.
func List(dir string, follow bool) ([]Node, error) {
	flags := unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Open(dir, flags, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	f := os.NewFile(uintptr(fd), dir)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	nodes := make([]Node, len(names))
	for i, name := range names {
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return nil, &fs.PathError{Op: "lstat", Path: filepath.Join(dir, name), Err: err}
		}
		nodes[i] = nodeOf(name, &st)
	}
	return nodes, nil
}

func nodeOf(name string, st *unix.Stat_t) Node {
	sec, nsec := st.Mtim.Unix()
	return Node{
		Name:  name,
		Mode:  st.Mode,
		UID:   st.Uid,
		GID:   st.Gid,
		Nlink: uint64(st.Nlink), // uint32 on some architectures
		Size:  st.Size,
		Mtime: Timespec{Sec: sec, Nsec: nsec},
		Rdev:  uint64(st.Rdev),
		ID:    FileID{Dev: uint64(st.Dev), Ino: st.Ino},
	}
}

// Lstat lstats p.
func Lstat(p string) (Node, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return Node{}, &fs.PathError{Op: "lstat", Path: p, Err: err}
	}
	return nodeOf(filepath.Base(p), &st), nil
}

// LstatIfThere lstats p; ok is false when nothing is there.
func LstatIfThere(p string) (n Node, ok bool, err error) {
	n, err = Lstat(p)
	if errors.Is(err, unix.ENOENT) {
		return Node{}, false, nil
	}
	return n, err == nil, err
}

// CountNames counts the entries of directory dir without an lstat of
// each.
func CountNames(dir string) (int, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	var buf []byte
	names, err := dents.Names(fd, &buf)
	if err != nil {
		return 0, &fs.PathError{Op: "getdents", Path: dir, Err: err}
	}
	return len(names), nil
}

// ReadLink returns the target of symlink p.
func ReadLink(p string) (string, error) { return os.Readlink(p) }

// Xattr is one extended attribute that a layer tar carries.
type Xattr struct{ Key, Value string }

// ReadXattrs returns the xattrs of p that a layer tar carries
// (archive.ExportedXattr), sorted by key, without following a symlink.
// buf is reused and grown.
func ReadXattrs(p string, buf *[]byte) ([]Xattr, error) {
	keys, err := xattrs.LKeys(p, buf)
	if err != nil {
		return nil, &fs.PathError{Op: "listxattr", Path: p, Err: err}
	}
	var xs []Xattr
	for _, key := range keys {
		if !archive.ExportedXattr(key) {
			continue
		}
		val, err := xattrs.LValue(p, key, buf)
		if errors.Is(err, unix.ENODATA) {
			continue // removed since it was listed
		}
		if err != nil {
			return nil, &fs.PathError{Op: "getxattr " + key, Path: p, Err: err}
		}
		xs = append(xs, Xattr{Key: key, Value: string(val)})
	}
	return xs, nil
}

// SameContent reports whether regular files a and b hold the same bytes,
// reading both in step through the two buffers of bufs.
func SameContent(a, b string, bufs *[2][]byte) (bool, error) {
	fa, err := openNoFollow(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := openNoFollow(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	for i := range bufs {
		if bufs[i] == nil {
			bufs[i] = make([]byte, 64<<10)
		}
	}
	for {
		na, errA := io.ReadFull(fa, bufs[0])
		nb, errB := io.ReadFull(fb, bufs[1])
		if !bytes.Equal(bufs[0][:na], bufs[1][:nb]) {
			return false, nil
		}
		if err := contentErr(a, errA); err != nil {
			return false, err
		}
		if err := contentErr(b, errB); err != nil {
			return false, err
		}
		if errA != nil || errB != nil { // both at their end
			return errA != nil && errB != nil, nil
		}
	}
}

// contentErr returns a read error other than the end of the file.
func contentErr(p string, err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return &fs.PathError{Op: "read", Path: p, Err: err}
}

func openNoFollow(p string) (*os.File, error) {
	// O_NONBLOCK: a regular file swapped for a fifo must not block open.
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	return os.NewFile(uintptr(fd), p), nil
}
