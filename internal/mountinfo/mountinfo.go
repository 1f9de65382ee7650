package mountinfo

import (
	"bufio"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// Entry is one line of the mount table, the fields the backends use.
type Entry struct {
	Point  string // mount point, unescaped
	FSType string // "overlay", "aufs", "fuse.fuse-overlayfs", ...
}

// Parse reads a mount table in the format of /proc/<pid>/mountinfo
// (proc(5)): the mount point is the fifth field, the filesystem type the
// first after the " - " separator. Malformed lines are skipped.
func Parse(r io.Reader) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, after := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(after) < 1 {
			continue
		}
		out = append(out, Entry{Point: unescapeOctal(fields[4]), FSType: after[0]})
	}
	return out, sc.Err()
}

// unescapeOctal undoes the kernel's \ooo escapes of space, tab, newline
// and backslash in mountinfo paths.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Under returns the mount points strictly below dir, deepest (latest)
// first: the order to unmount them in.
func Under(entries []Entry, dir string) []Entry {
	var out []Entry
	prefix := filepath.Clean(dir) + "/"
	for _, e := range entries {
		if strings.HasPrefix(e.Point, prefix) {
			out = append(out, e)
		}
	}
	// Later mounts sit on top of earlier ones: unmount in reverse.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// IsMountPoint reports whether path is a mount point in entries.
func IsMountPoint(entries []Entry, path string) bool {
	for _, e := range entries {
		if e.Point == path {
			return true
		}
	}
	return false
}
