package naive

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/layerfs/graphdriver/archive"
	xattrs "github.com/layerfs/graphdriver/internal/xattr"
	"golang.org/x/sys/unix"
)

// listDir returns the entries of dir sorted by name (byte order), each as
// lstat shows it. It follows dir itself only when it is a root (follow):
// inside a tree a symlink is never followed.
func listDir(dir string, follow bool) ([]node, error) {
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
	nodes := make([]node, len(names))
	for i, name := range names {
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return nil, &fs.PathError{Op: "lstat", Path: filepath.Join(dir, name), Err: err}
		}
		nodes[i] = nodeOf(name, &st)
	}
	return nodes, nil
}

func nodeOf(name string, st *unix.Stat_t) node {
	sec, nsec := st.Mtim.Unix()
	return node{
		name:  name,
		mode:  st.Mode,
		uid:   st.Uid,
		gid:   st.Gid,
		nlink: uint64(st.Nlink), // uint32 on some architectures
		size:  st.Size,
		mtime: timespec{sec: sec, nsec: nsec},
		rdev:  uint64(st.Rdev),
		id:    fileID{dev: uint64(st.Dev), ino: st.Ino},
	}
}

func readLink(p string) (string, error) { return os.Readlink(p) }

// xattr is one extended attribute that a layer tar carries.
type xattr struct{ key, value string }

// readXattrs returns the xattrs of p that a layer tar carries
// (archive.ExportedXattr), sorted by key, without following a symlink.
// buf is reused and grown.
func readXattrs(p string, buf *[]byte) ([]xattr, error) {
	keys, err := xattrs.LKeys(p, buf)
	if err != nil {
		return nil, &fs.PathError{Op: "listxattr", Path: p, Err: err}
	}
	var xs []xattr
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
		xs = append(xs, xattr{key: key, value: string(val)})
	}
	return xs, nil
}

// sameContent reports whether regular files a and b hold the same bytes,
// reading both in step through the two buffers of bufs.
func sameContent(a, b string, bufs *[2][]byte) (bool, error) {
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

// lstatNode lstats p.
func lstatNode(p string) (node, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return node{}, &fs.PathError{Op: "lstat", Path: p, Err: err}
	}
	return nodeOf(filepath.Base(p), &st), nil
}
