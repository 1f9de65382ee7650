package overlay2

import (
	"bufio"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// mountEntry is one line of /proc/self/mountinfo, the fields we use.
type mountEntry struct {
	Point  string // mount point, unescaped
	FSType string
}

// parseMountinfo reads the mount table in the format of
// /proc/<pid>/mountinfo (proc(5)): the mount point is the fifth field,
// the filesystem type the first after the " - " separator.
func parseMountinfo(r io.Reader) ([]mountEntry, error) {
	var out []mountEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, after := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(after) < 1 {
			continue
		}
		out = append(out, mountEntry{Point: unescapeOctal(fields[4]), FSType: after[0]})
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

// mountsUnder returns the mount points strictly below dir, deepest
// first (the order to unmount them in), keeping those of fstype ("" for
// any).
func mountsUnder(entries []mountEntry, dir, fstype string) []string {
	var out []string
	prefix := filepath.Clean(dir) + "/"
	for _, e := range entries {
		if strings.HasPrefix(e.Point, prefix) && (fstype == "" || e.FSType == fstype) {
			out = append(out, e.Point)
		}
	}
	// Later mounts sit on top of earlier ones: unmount in reverse.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
