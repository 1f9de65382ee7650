package xattr

import (
	"bytes"
	"errors"
	"slices"

	"golang.org/x/sys/unix"
)

// Retry calls f with *buf, growing *buf to the size f reports (a nil
// buffer asks for it) while f says ERANGE: the attribute list or value
// grew between the calls. *buf is never empty when f gets it, since an
// empty buffer would ask for the size instead.
func Retry(buf *[]byte, f func([]byte) (int, error)) (int, error) {
	if len(*buf) == 0 {
		*buf = make([]byte, 256)
	}
	for {
		n, err := f(*buf)
		if !errors.Is(err, unix.ERANGE) {
			return n, err
		}
		size, err := f(nil)
		if err != nil {
			return 0, err
		}
		*buf = make([]byte, max(size, 2*len(*buf)))
	}
}

// Keys turns what listxattr wrote into sorted keys. list is
// llistxattr or flistxattr bound to one file; a filesystem without
// xattrs (EOPNOTSUPP) has none.
func Keys(buf *[]byte, list func([]byte) (int, error)) ([]string, error) {
	n, err := Retry(buf, list)
	if errors.Is(err, unix.EOPNOTSUPP) {
		return nil, nil
	}
	if err != nil || n == 0 {
		return nil, err
	}
	var keys []string
	for key := range bytes.SplitSeq((*buf)[:n], []byte{0}) {
		if len(key) > 0 {
			keys = append(keys, string(key))
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// LKeys returns the sorted xattr keys of path, not following a symlink.
func LKeys(path string, buf *[]byte) ([]string, error) {
	return Keys(buf, func(b []byte) (int, error) { return unix.Llistxattr(path, b) })
}

// FKeys returns the sorted xattr keys of the open file fd.
func FKeys(fd int, buf *[]byte) ([]string, error) {
	return Keys(buf, func(b []byte) (int, error) { return unix.Flistxattr(fd, b) })
}

// LValue returns the value of key on path, not following a symlink. The
// slice aliases *buf: it is valid until buf's next use.
func LValue(path, key string, buf *[]byte) ([]byte, error) {
	n, err := Retry(buf, func(b []byte) (int, error) { return unix.Lgetxattr(path, key, b) })
	if err != nil {
		return nil, err
	}
	return (*buf)[:n], nil
}
