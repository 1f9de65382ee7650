package drivertest

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// FileType is the kind of a tree entry.
type FileType string

// The kinds of entries Snapshot records.
const (
	TypeDir     FileType = "dir"
	TypeFile    FileType = "file"
	TypeSymlink FileType = "symlink"
	TypeFifo    FileType = "fifo"
	TypeSocket  FileType = "socket"
	TypeChar    FileType = "char"
	TypeBlock   FileType = "block"
)

// Xattr is one extended attribute.
type Xattr struct {
	Name  string
	Value string
}

// Entry is what Snapshot records about one path: what a layer must keep.
// Fields that do not apply to the entry's type are zero.
type Entry struct {
	Type FileType
	// Mode holds the permission bits and setuid (04000), setgid (02000)
	// and sticky (01000), as in chmod.
	Mode     uint32
	UID, GID int
	// Size and Digest (sha256, hex) describe a regular file's content.
	// Digest is "unreadable" when the suite may not read the file.
	Size   int64
	Digest string
	// Target is a symlink's content.
	Target string
	// Major and Minor number a device.
	Major, Minor uint32
	// Xattrs are sorted by name, without the ones a backend may add
	// (security.selinux, trusted.overlay.*, user.overlay.*).
	Xattrs []Xattr
	// LinkGroup is, for a path sharing its inode with other paths of the
	// tree, the first of them in sorted order; "" for a single link.
	LinkGroup string
	// ModTime is recorded only with WithModTime.
	ModTime time.Time
}

// Tree maps a slash-separated path relative to the snapshot root ("." for
// the root itself) to its entry.
type Tree map[string]Entry

// Paths returns the tree's paths in sorted order.
func (t Tree) Paths() []string {
	paths := make([]string, 0, len(t))
	for p := range t {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// String returns the tree as an ls -lR style listing, one line per entry.
func (t Tree) String() string {
	var b strings.Builder
	DumpTree(&b, t)
	return b.String()
}

// DumpTree writes t to w as an ls -lR style listing, one line per entry:
// mode, owner, size or device, path, then symlink target, content digest,
// hardlink group and xattrs.
func DumpTree(w io.Writer, t Tree) {
	if len(t) == 0 {
		fmt.Fprintln(w, "(empty tree)")
		return
	}
	for _, p := range t.Paths() {
		fmt.Fprintln(w, t[p].line(p))
	}
}

// line formats e as one listing line for path p.
func (e Entry) line(p string) string {
	size := fmt.Sprint(e.Size)
	if e.Type == TypeChar || e.Type == TypeBlock {
		size = fmt.Sprintf("%d,%d", e.Major, e.Minor)
	} else if e.Type != TypeFile {
		size = "-"
	}
	s := fmt.Sprintf("%s %5d:%-5d %9s %s", e.modeString(), e.UID, e.GID, size, p)
	return s + e.details()
}

// details is the tail of a listing line: what ls -l does not show.
func (e Entry) details() string {
	var parts []string
	if e.Type == TypeSymlink {
		parts = append(parts, "-> "+e.Target)
	}
	if e.Type == TypeFile {
		parts = append(parts, "sha256:"+shortDigest(e.Digest))
	}
	if e.LinkGroup != "" {
		parts = append(parts, "link="+e.LinkGroup)
	}
	if !e.ModTime.IsZero() {
		parts = append(parts, "mtime="+e.ModTime.UTC().Format(time.RFC3339Nano))
	}
	for _, x := range e.Xattrs {
		parts = append(parts, fmt.Sprintf("%s=%q", x.Name, x.Value))
	}
	if len(parts) == 0 {
		return ""
	}
	return "  " + strings.Join(parts, "  ")
}

func shortDigest(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

var typeLetters = map[FileType]byte{
	TypeDir: 'd', TypeFile: '-', TypeSymlink: 'l', TypeFifo: 'p',
	TypeSocket: 's', TypeChar: 'c', TypeBlock: 'b',
}

// modeString renders the type and mode as ls does: "drwxrwxrwt",
// "-rwsr-xr-x".
func (e Entry) modeString() string {
	out := []byte("?---------")
	if c, ok := typeLetters[e.Type]; ok {
		out[0] = c
	}
	const rwx = "rwxrwxrwx"
	for i := range 9 {
		if e.Mode&(1<<(8-i)) != 0 {
			out[1+i] = rwx[i]
		}
	}
	special := []struct {
		bit        uint32
		pos        int
		exec, none byte
	}{{0o4000, 3, 's', 'S'}, {0o2000, 6, 's', 'S'}, {0o1000, 9, 't', 'T'}}
	for _, s := range special {
		if e.Mode&s.bit == 0 {
			continue
		}
		if out[s.pos] == '-' {
			out[s.pos] = s.none
		} else {
			out[s.pos] = s.exec
		}
	}
	return string(out)
}
