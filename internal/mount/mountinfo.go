package mount

import (
	"path/filepath"
	"strings"
)

// Entry is one line of the mount table, the fields the backends use.
type Entry struct {
	Point  string // mount point, unescaped
	FSType string // "overlay", "aufs", "fuse.fuse-overlayfs", ...
}

// Under returns the entries mounted strictly below dir, deepest first
// (later mounts sit on top of earlier ones: the order to unmount them
// in), keeping those of the given filesystem types (all when none).
func Under(entries []Entry, dir string, fstypes ...string) []Entry {
	var out []Entry
	prefix := filepath.Clean(dir) + "/"
	for _, e := range entries {
		if strings.HasPrefix(e.Point, prefix) && (len(fstypes) == 0 || contains(fstypes, e.FSType)) {
			out = append(out, e)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Points returns the mount points of entries.
func Points(entries []Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Point
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
