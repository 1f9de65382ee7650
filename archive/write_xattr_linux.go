package archive

import (
	"bytes"
	"errors"
	"slices"

	"golang.org/x/sys/unix"
)

// lxattrKeys returns the sorted xattr keys of path, without following a
// symlink; a filesystem without xattrs has none. buf is reused and grown.
func lxattrKeys(path string, buf *[]byte) ([]string, error) {
	n, err := lxattrRetry(buf, func(b []byte) (int, error) { return unix.Llistxattr(path, b) })
	if errors.Is(err, unix.ENOTSUP) {
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

// lxattrValue returns the value of key on path, without following a symlink.
func lxattrValue(path, key string, buf *[]byte) (string, error) {
	n, err := lxattrRetry(buf, func(b []byte) (int, error) { return unix.Lgetxattr(path, key, b) })
	if err != nil {
		return "", err
	}
	return string((*buf)[:n]), nil
}

// lxattrRetry calls f with buf, growing buf to the size f reports (a nil
// buffer asks for it) while f says ERANGE. buf is never empty when f
// gets it.
func lxattrRetry(buf *[]byte, f func([]byte) (int, error)) (int, error) {
	if len(*buf) == 0 { // an empty buffer would ask for the size
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
