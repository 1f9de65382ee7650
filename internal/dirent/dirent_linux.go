package dirent

import (
	"errors"

	"golang.org/x/sys/unix"
)

// bufSize is the getdents buffer made on first use.
const bufSize = 32 << 10

// Names returns the names in the open directory fd, "." and ".." left
// out, in the order the filesystem gives them. *buf is reused, and made
// on first use.
func Names(fd int, buf *[]byte) ([]string, error) {
	if len(*buf) == 0 {
		*buf = make([]byte, bufSize)
	}
	var names []string
	for {
		n, err := unix.Getdents(fd, *buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent((*buf)[:n], -1, names)
	}
}
