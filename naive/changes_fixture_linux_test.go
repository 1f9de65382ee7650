package naive

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// op changes a tree at root: the fixture DSL of these tests.
type op func(t *testing.T, root string)

// t0 is a whole second, for mtimes set on purpose.
var t0 = time.Unix(1_600_000_000, 0)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// file writes content to p (in place if p exists) and sets its mode.
func file(p, content string, mode uint32) op {
	return func(t *testing.T, root string) {
		must(t, os.WriteFile(filepath.Join(root, p), []byte(content), 0o600))
		must(t, unix.Chmod(filepath.Join(root, p), mode))
	}
}

func mkdir(p string, mode uint32) op {
	return func(t *testing.T, root string) {
		must(t, os.Mkdir(filepath.Join(root, p), 0o700))
		must(t, unix.Chmod(filepath.Join(root, p), mode))
	}
}

func symlink(p, target string) op {
	return func(t *testing.T, root string) { must(t, os.Symlink(target, filepath.Join(root, p))) }
}

// hardlink makes p a new link to the existing target.
func hardlink(p, target string) op {
	return func(t *testing.T, root string) {
		must(t, os.Link(filepath.Join(root, target), filepath.Join(root, p)))
	}
}

func remove(p string) op {
	return func(t *testing.T, root string) { must(t, os.RemoveAll(filepath.Join(root, p))) }
}

func chmod(p string, mode uint32) op {
	return func(t *testing.T, root string) { must(t, unix.Chmod(filepath.Join(root, p), mode)) }
}

func chown(p string, uid, gid int) op {
	return func(t *testing.T, root string) { must(t, os.Lchown(filepath.Join(root, p), uid, gid)) }
}

// setxattr skips the test where the filesystem or the user cannot.
func setxattr(p, key, value string) op {
	return func(t *testing.T, root string) {
		err := unix.Lsetxattr(filepath.Join(root, p), key, []byte(value), 0)
		if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EPERM) {
			t.Skipf("setxattr %s on %s: %v", key, root, err)
		}
		must(t, err)
	}
}

// mtime sets the mtime (and atime) of p, not following a symlink.
func mtime(p string, tm time.Time) op {
	return func(t *testing.T, root string) {
		ts := unix.NsecToTimespec(tm.UnixNano())
		must(t, unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(root, p), []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW))
	}
}

func mkfifo(p string, mode uint32) op {
	return func(t *testing.T, root string) {
		must(t, unix.Mkfifo(filepath.Join(root, p), 0o600))
		must(t, unix.Chmod(filepath.Join(root, p), mode))
	}
}

func mkchar(p string, mode uint32, major, minor uint32) op {
	return func(t *testing.T, root string) {
		must(t, unix.Mknod(filepath.Join(root, p), unix.S_IFCHR|0o600, int(unix.Mkdev(major, minor))))
		must(t, unix.Chmod(filepath.Join(root, p), mode))
	}
}

// socket makes a unix socket at p, bound in a short directory (socket
// paths are limited to 108 bytes) and renamed into place.
func socket(p string) op {
	return func(t *testing.T, root string) {
		dir, err := os.MkdirTemp("", "s")
		must(t, err)
		defer os.RemoveAll(dir)
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		must(t, err)
		defer unix.Close(fd)
		must(t, unix.Bind(fd, &unix.SockaddrUnix{Name: filepath.Join(dir, "s")}))
		must(t, os.Rename(filepath.Join(dir, "s"), filepath.Join(root, p)))
	}
}

// build makes a tree from nothing.
func build(t testing.TB, ops ...op) string {
	t.Helper()
	root := t.TempDir()
	apply(t, root, ops)
	return root
}

// derive makes a full copy of parent (cp -a keeps links, owners, modes,
// xattrs and nanosecond times) and changes it: a layer's merged view.
func derive(t testing.TB, parent string, ops ...op) string {
	t.Helper()
	layer := t.TempDir()
	cpTree(t, parent, layer)
	apply(t, layer, ops)
	return layer
}

func cpTree(t testing.TB, src, dst string, flags ...string) {
	t.Helper()
	args := append([]string{"-a", "--reflink=auto"}, flags...)
	out, err := exec.Command("cp", append(args, src+"/.", dst+"/")...).CombinedOutput()
	if err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", src, dst, err, out)
	}
}

func apply(t testing.TB, root string, ops []op) {
	t.Helper()
	tt, ok := t.(*testing.T)
	if !ok && len(ops) > 0 {
		t.Fatal("ops need a *testing.T")
	}
	for _, o := range ops {
		o(tt, root)
	}
}

// tarEntry is what the tests compare of a tar header and its content.
type tarEntry struct {
	Name     string
	Type     string
	Mode     int64
	UID, GID int
	Size     int64
	Content  string
	Linkname string
	Xattrs   map[string]string
	Major    int64
	Minor    int64
}

var typeNames = map[byte]string{
	tar.TypeReg: "file", tar.TypeDir: "dir", tar.TypeSymlink: "symlink", tar.TypeLink: "link",
	tar.TypeFifo: "fifo", tar.TypeChar: "char", tar.TypeBlock: "block",
}

// readTar reads a whole tar, closes r and returns its entries.
func readTar(t *testing.T, r io.ReadCloser) []tarEntry {
	t.Helper()
	defer r.Close()
	tr := tar.NewReader(r)
	var entries []tarEntry
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		must(t, err)
		body, err := io.ReadAll(tr)
		must(t, err)
		e := tarEntry{
			Name: hdr.Name, Type: typeNames[hdr.Typeflag], Mode: hdr.Mode, UID: hdr.Uid, GID: hdr.Gid,
			Size: hdr.Size, Content: string(body), Linkname: hdr.Linkname, Major: hdr.Devmajor, Minor: hdr.Devminor,
		}
		for k, v := range hdr.PAXRecords {
			if key, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
				if e.Xattrs == nil {
					e.Xattrs = map[string]string{}
				}
				e.Xattrs[key] = v
			}
		}
		entries = append(entries, e)
	}
}

// Expected tar entries, owned by the user running the tests.
func regE(name string, mode int64, content string) tarEntry {
	return tarEntry{Name: name, Type: "file", Mode: mode, UID: os.Getuid(), GID: os.Getgid(), Size: int64(len(content)), Content: content}
}

func dirE(name string, mode int64) tarEntry {
	return tarEntry{Name: name, Type: "dir", Mode: mode, UID: os.Getuid(), GID: os.Getgid()}
}

func symE(name, target string) tarEntry {
	return tarEntry{Name: name, Type: "symlink", Mode: 0o777, UID: os.Getuid(), GID: os.Getgid(), Linkname: target}
}

func linkE(name, target string, mode int64) tarEntry {
	return tarEntry{Name: name, Type: "link", Mode: mode, UID: os.Getuid(), GID: os.Getgid(), Linkname: target}
}

func fifoE(name string, mode int64) tarEntry {
	return tarEntry{Name: name, Type: "fifo", Mode: mode, UID: os.Getuid(), GID: os.Getgid()}
}

func charE(name string, mode, major, minor int64) tarEntry {
	return tarEntry{Name: name, Type: "char", Mode: mode, UID: os.Getuid(), GID: os.Getgid(), Major: major, Minor: minor}
}

// whE is a whiteout or opaque marker: whiteout.Header's fixed AUFS form.
func whE(name string) tarEntry { return tarEntry{Name: name, Type: "file", Mode: 0o644} }

func (e tarEntry) owner(uid, gid int) tarEntry { e.UID, e.GID = uid, gid; return e }

func (e tarEntry) xattr(key, value string) tarEntry {
	x := map[string]string{key: value}
	for k, v := range e.Xattrs {
		x[k] = v
	}
	e.Xattrs = x
	return e
}
