package cow

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// entry is everything a copy must keep about one path, in a form go-cmp
// prints readably.
type entry struct {
	Type     string
	Mode     string // permission bits with setuid, setgid, sticky, octal
	UID, GID uint32
	Size     int64  // regular files only
	SHA256   string // regular files only
	Data     string // data extents as SEEK_DATA/SEEK_HOLE show them
	Link     string // symlink target
	Rdev     uint64
	Xattrs   map[string]string
	MtimeNs  int64
	LinkedTo string // first path (sorted) of the same inode, "" if none
}

// snapshot walks root without following symlinks and describes every path
// below it ("" is root itself). It reads in sorted order, so hardlink
// groups are named by their first path.
func snapshot(t testing.TB, root string) map[string]entry {
	t.Helper()
	tree := map[string]entry{}
	first := map[[2]uint64]string{}
	var walk func(rel string)
	walk = func(rel string) {
		p := filepath.Join(root, rel)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		e := describe(t, p, &st)
		if st.Mode&unix.S_IFMT != unix.S_IFDIR && st.Nlink > 1 {
			k := [2]uint64{uint64(st.Dev), uint64(st.Ino)}
			if f, ok := first[k]; ok {
				e.LinkedTo = f
			} else {
				first[k] = rel
			}
		}
		tree[rel] = e
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			for _, name := range readDirNames(t, p) {
				walk(filepath.Join(rel, name))
			}
		}
	}
	walk("")
	return tree
}

func readDirNames(t testing.TB, dir string) []string {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	sort.Strings(names)
	return names
}

func describe(t testing.TB, p string, st *unix.Stat_t) entry {
	t.Helper()
	e := entry{
		Mode:    modeString(st.Mode & 0o7777),
		UID:     st.Uid,
		GID:     st.Gid,
		Xattrs:  xattrs(t, p),
		MtimeNs: st.Mtim.Nano(),
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		e.Type, e.Size = "file", st.Size
		e.SHA256, e.Data = fileDigest(t, p, st.Size)
	case unix.S_IFDIR:
		e.Type = "dir"
	case unix.S_IFLNK:
		e.Type, e.Mode = "symlink", ""
		target, err := os.Readlink(p)
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		e.Link = target
	case unix.S_IFIFO:
		e.Type = "fifo"
	case unix.S_IFSOCK:
		e.Type = "socket"
	case unix.S_IFCHR:
		e.Type, e.Rdev = "char", uint64(st.Rdev)
	case unix.S_IFBLK:
		e.Type, e.Rdev = "block", uint64(st.Rdev)
	}
	return e
}

func modeString(m uint32) string { return fmt.Sprintf("%#o", m) }

// fileDigest hashes the content of p and maps its data extents.
func fileDigest(t testing.TB, p string, size int64) (string, string) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil)), dataMap(t, int(f.Fd()), size)
}

// dataMap lists the data extents of fd as "start-end" ranges.
func dataMap(t testing.TB, fd int, size int64) string {
	t.Helper()
	var parts []string
	for off := int64(0); off < size; {
		data, err := unix.Seek(fd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			break
		}
		if err != nil {
			t.Fatalf("snapshot: seek data: %v", err)
		}
		hole, err := unix.Seek(fd, data, unix.SEEK_HOLE)
		if err != nil {
			t.Fatalf("snapshot: seek hole: %v", err)
		}
		parts = append(parts, fmt.Sprintf("%d-%d", data, hole))
		off = hole
	}
	return strings.Join(parts, ",")
}

func xattrs(t testing.TB, p string) map[string]string {
	t.Helper()
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(p, buf)
	if errors.Is(err, unix.EOPNOTSUPP) {
		return nil
	}
	if err != nil {
		t.Fatalf("snapshot: list xattrs of %s: %v", p, err)
	}
	var m map[string]string
	for _, k := range strings.Split(string(buf[:n]), "\x00") {
		if k == "" || shadowXattrs[k] {
			continue // shadowXattrs mirror the system.posix_acl_* keys on xfs
		}
		val := make([]byte, 64<<10)
		vn, err := unix.Lgetxattr(p, k, val)
		if err != nil {
			t.Fatalf("snapshot: get xattr %s of %s: %v", k, p, err)
		}
		if m == nil {
			m = map[string]string{}
		}
		m[k] = string(val[:vn])
	}
	return m
}

// requireSameTree fails with a readable diff when the trees differ.
func requireSameTree(t testing.TB, want, got string) {
	t.Helper()
	if d := cmp.Diff(snapshot(t, want), snapshot(t, got)); d != "" {
		t.Fatalf("copy %s differs from source %s (-source +copy):\n%s", got, want, d)
	}
}

func requireSame(t testing.TB, want, got any, what string) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("%s changed (-before +after):\n%s", what, d)
	}
}

// checkErr fails unless err is non-nil, matches is (when set) and holds
// msg (when set).
func checkErr(t testing.TB, err, is error, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one matching %v %q", is, msg)
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("error %q is not %v", err, is)
	}
	if msg != "" && !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not say %q", err, msg)
	}
	if !strings.HasPrefix(err.Error(), "cow: ") {
		t.Errorf("error %q does not start with the package name", err)
	}
}

func mustMkdir(t testing.TB, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t testing.TB, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustExist(t testing.TB, p string) {
	t.Helper()
	if _, err := os.Lstat(p); err != nil {
		t.Fatal(err)
	}
}

func mustNotExist(t testing.TB, p string) {
	t.Helper()
	if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s exists (lstat: %v)", p, err)
	}
}

// tempDir is t.TempDir made removable even when a test left directories
// without write or search permission in it (which stop a non-root
// RemoveAll).
func tempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() { makeAccessible(dir) })
	return dir
}
