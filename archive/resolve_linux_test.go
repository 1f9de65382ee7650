package archive

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestResolveStaysInRoot holds both resolvers (openat2, and the
// pathrs-lite walk used on kernels before 5.6) to the same answers: every
// symlink, absolute or climbing, resolves inside the root.
func TestResolveStaysInRoot(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	for _, d := range []string{"a/b", "etc"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"abs":   "/etc",        // absolute: the root's etc
		"up":    "../../../..", // climbs: stops at the root
		"out":   outside,       // a host path: read inside the root, missing
		"a/rel": "b",
		"file":  "a/b/f",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "a/b/f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := newApplier(root, nil, &ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	cases := []struct {
		path string
		want string // relative to root; "" with wantErr
		err  unix.Errno
	}{
		{path: "a/b", want: "a/b"},
		{path: "abs", want: "etc"},
		{path: "up/etc", want: "etc"},
		{path: "up", want: "."},
		{path: "a/rel", want: "a/b"},
		{path: "out", err: unix.ENOENT},
		{path: "file", err: unix.ENOTDIR},
		{path: "missing/x", err: unix.ENOENT},
	}
	resolvers := map[string]func(string, int) (int, error){"openat2": a.resolve, "walk": a.resolveWalk}
	for rname, resolve := range resolvers {
		for _, c := range cases {
			fd, err := resolve(c.path, unix.O_PATH)
			if c.err != 0 {
				if !errors.Is(err, c.err) {
					t.Errorf("%s %q: err %v, want %v", rname, c.path, err, c.err)
				}
				if err == nil {
					unix.Close(fd)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %q: %v", rname, c.path, err)
				continue
			}
			if got, want := statIno(t, fd), pathIno(t, filepath.Join(root, c.want)); got != want {
				t.Errorf("%s %q: resolved to inode %d, want %s (inode %d)", rname, c.path, got, c.want, want)
			}
			unix.Close(fd)
		}
	}
}

// TestParentCache checks the cache keeps the most recent handles, closes
// the ones it drops, and empties when told its names went stale.
func TestParentCache(t *testing.T) {
	var c parentCache
	open := func() int {
		fd, err := unix.Open(os.TempDir(), unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fd
	}
	isOpen := func(fd int) bool { _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); return err == nil }
	fds := make([]int, parentCacheSize+1)
	for i := range fds {
		if i == parentCacheSize {
			// touch "a" so that "b" is the oldest when the cache overflows
			if _, ok := c.get("a"); !ok {
				t.Fatal("a not cached")
			}
		}
		fds[i] = open()
		c.put(string(rune('a'+i)), fds[i])
	}
	if _, ok := c.get("b"); ok || isOpen(fds[1]) {
		t.Errorf("the least recently used handle was not dropped and closed")
	}
	if fd, ok := c.get("a"); !ok || fd != fds[0] {
		t.Errorf("get(a) = %d, %v; want %d", fd, ok, fds[0])
	}
	c.clear()
	for i, fd := range fds {
		if isOpen(fd) {
			t.Errorf("handle %d still open after clear", i)
		}
	}
	if _, ok := c.get("a"); ok {
		t.Errorf("get after clear found a handle")
	}
}

func statIno(t *testing.T, fd int) uint64 {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func pathIno(t *testing.T, p string) uint64 {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}
