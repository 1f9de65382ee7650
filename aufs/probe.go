package aufs

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// hasFilesystem reports whether a table in the format of /proc/filesystems
// ("nodev\taufs" or "\text4" per line) lists the filesystem name.
func hasFilesystem(r io.Reader, name string) (bool, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 && fields[len(fields)-1] == name {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return false, nil
}
