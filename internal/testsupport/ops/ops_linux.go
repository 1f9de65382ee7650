package ops

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Op changes a tree at root.
type Op func(t *testing.T, root string)

// T0 is a whole second, for mtimes set on purpose.
var T0 = time.Unix(1_600_000_000, 0)

// Must fails the test on err.
func Must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// File writes content to p (in place if p exists) and sets its mode.
func File(p, content string, mode uint32) Op {
	return func(t *testing.T, root string) {
		Must(t, os.WriteFile(filepath.Join(root, p), []byte(content), 0o600))
		Must(t, unix.Chmod(filepath.Join(root, p), mode))
	}
}

// Mkdir makes directory p with mode.
func Mkdir(p string, mode uint32) Op {
	return func(t *testing.T, root string) {
		Must(t, os.Mkdir(filepath.Join(root, p), 0o700))
		Must(t, unix.Chmod(filepath.Join(root, p), mode))
	}
}

// Symlink makes p a symlink to target.
func Symlink(p, target string) Op {
	return func(t *testing.T, root string) { Must(t, os.Symlink(target, filepath.Join(root, p))) }
}

// Hardlink makes p a new link to the existing target.
func Hardlink(p, target string) Op {
	return func(t *testing.T, root string) {
		Must(t, os.Link(filepath.Join(root, target), filepath.Join(root, p)))
	}
}

// Remove removes p and all below it.
func Remove(p string) Op {
	return func(t *testing.T, root string) { Must(t, os.RemoveAll(filepath.Join(root, p))) }
}

// Chmod sets the mode of p.
func Chmod(p string, mode uint32) Op {
	return func(t *testing.T, root string) { Must(t, unix.Chmod(filepath.Join(root, p), mode)) }
}

// Chown sets the owner of p, not following a symlink.
func Chown(p string, uid, gid int) Op {
	return func(t *testing.T, root string) { Must(t, os.Lchown(filepath.Join(root, p), uid, gid)) }
}

// Setxattr skips the test where the filesystem or the user cannot.
func Setxattr(p, key, value string) Op {
	return func(t *testing.T, root string) {
		err := unix.Lsetxattr(filepath.Join(root, p), key, []byte(value), 0)
		if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EPERM) {
			t.Skipf("setxattr %s on %s: %v", key, root, err)
		}
		Must(t, err)
	}
}

// Mtime sets the mtime (and atime) of p, not following a symlink.
func Mtime(p string, tm time.Time) Op {
	return func(t *testing.T, root string) {
		ts := unix.NsecToTimespec(tm.UnixNano())
		Must(t, unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(root, p), []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW))
	}
}

// Mkfifo makes a fifo at p with mode.
func Mkfifo(p string, mode uint32) Op {
	return func(t *testing.T, root string) {
		Must(t, unix.Mkfifo(filepath.Join(root, p), 0o600))
		Must(t, unix.Chmod(filepath.Join(root, p), mode))
	}
}

// Mkchar makes a character device at p.
func Mkchar(p string, mode uint32, major, minor uint32) Op {
	return func(t *testing.T, root string) {
		Must(t, unix.Mknod(filepath.Join(root, p), unix.S_IFCHR|0o600, int(unix.Mkdev(major, minor))))
		Must(t, unix.Chmod(filepath.Join(root, p), mode))
	}
}

// Socket makes a unix socket at p, bound in a short directory (socket
// paths are limited to 108 bytes) and renamed into place.
func Socket(p string) Op {
	return func(t *testing.T, root string) {
		dir, err := os.MkdirTemp("", "s")
		Must(t, err)
		defer os.RemoveAll(dir)
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		Must(t, err)
		defer unix.Close(fd)
		Must(t, unix.Bind(fd, &unix.SockaddrUnix{Name: filepath.Join(dir, "s")}))
		Must(t, os.Rename(filepath.Join(dir, "s"), filepath.Join(root, p)))
	}
}

// Build makes a tree from nothing.
func Build(t testing.TB, ops ...Op) string {
	t.Helper()
	root := t.TempDir()
	Apply(t, root, ops)
	return root
}

// Derive makes a full copy of parent (cp -a keeps links, owners, modes,
// xattrs and nanosecond times) and changes it: a layer's merged view.
func Derive(t testing.TB, parent string, ops ...Op) string {
	t.Helper()
	layer := t.TempDir()
	CpTree(t, parent, layer)
	Apply(t, layer, ops)
	return layer
}

// CpTree copies the tree src into dst with cp -a (reflinked where it can).
func CpTree(t testing.TB, src, dst string, flags ...string) {
	t.Helper()
	args := append([]string{"-a", "--reflink=auto"}, flags...)
	out, err := exec.Command("cp", append(args, src+"/.", dst+"/")...).CombinedOutput()
	if err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", src, dst, err, out)
	}
}

// Apply runs ops on the tree at root; ops need a *testing.T.
func Apply(t testing.TB, root string, ops []Op) {
	t.Helper()
	tt, ok := t.(*testing.T)
	if !ok && len(ops) > 0 {
		t.Fatal("ops need a *testing.T")
	}
	for _, o := range ops {
		o(tt, root)
	}
}

// FromLines makes the tree at root from "path kind[:content]" lines:
// kind is "d" (mode 0755), "f" (0644) or "l" (symlink to content).
func FromLines(t *testing.T, root string, lines ...string) {
	t.Helper()
	for _, line := range lines {
		p, spec, _ := strings.Cut(line, " ")
		kind, content, _ := strings.Cut(spec, ":")
		full := filepath.Join(root, p)
		var err error
		switch kind {
		case "d":
			err = os.MkdirAll(full, 0o755)
		case "f":
			err = os.WriteFile(full, []byte(content), 0o644)
		case "l":
			err = os.Symlink(content, full)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// WriteFiles writes files (path below dir -> content; "" removes the
// path and all below it) into the tree at dir, making parent
// directories (0755) as needed; files get mode 0644.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if content == "" {
			if err := os.RemoveAll(p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
