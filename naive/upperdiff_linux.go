package naive

import (
	"errors"
	"io/fs"

	dents "github.com/layerfs/graphdriver/internal/dirent"
	"golang.org/x/sys/unix"
)

// lstatIfThere lstats p; ok is false when nothing is there, which the
// upper walk asks of the other view at every path it holds.
func lstatIfThere(p string) (n node, ok bool, err error) {
	n, err = lstatNode(p)
	if errors.Is(err, unix.ENOENT) {
		return node{}, false, nil
	}
	return n, err == nil, err
}

// countNames counts the entries of directory dir without an lstat of
// each: rule 6 needs only how many the parent's directory holds.
func countNames(dir string) (int, error) {
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
