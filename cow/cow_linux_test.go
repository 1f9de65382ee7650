package cow

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCopyTree(t *testing.T) {
	src := filepath.Join(tempDir(t), "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	build(t, src, fullTree())
	dst := filepath.Join(tempDir(t), "dst")
	var stats Stats
	if err := CopyTree(dst, src, &Options{Stats: &stats}); err != nil {
		t.Fatal(err)
	}
	requireSameTree(t, src, dst)

	want := snapshot(t, src)
	var files, dirs, links, specials int64
	for _, e := range want {
		switch {
		case e.LinkedTo != "":
		case e.Type == "file":
			files++
		case e.Type == "dir":
			dirs++
		case e.Type == "symlink":
			links++
		default:
			specials++
		}
	}
	if stats.Files != files || stats.Dirs != dirs || stats.Symlinks != links ||
		stats.Specials != specials || stats.Hardlinks != 2 {
		t.Errorf("stats %+v, want %d files, %d dirs, %d symlinks, %d specials, 2 hardlinks",
			stats, files, dirs, links, specials)
	}
	if stats.Reflinked+stats.CopyRanged+stats.ReadWritten == 0 {
		t.Errorf("stats %+v count no content copies", stats)
	}
}

// TestCopyTreeHoles checks that holes stay holes: same data extents (the
// snapshot compares them) and no more blocks than the source.
func TestCopyTreeHoles(t *testing.T) {
	src := tempDir(t)
	build(t, src, []step{
		sparse("middle", 2<<20, [2]int64{0, 64 << 10}, [2]int64{1<<20 + 512<<10, 512 << 10}),
		sparse("end", 3<<20, [2]int64{0, 1 << 20}),
		sparse("only-hole", 5<<20),
	})
	dst := filepath.Join(tempDir(t), "dst")
	if err := CopyTree(dst, src, nil); err != nil {
		t.Fatal(err)
	}
	requireSameTree(t, src, dst)
	for _, name := range []string{"middle", "end", "only-hole"} {
		var s, d unix.Stat_t
		if err := unix.Stat(filepath.Join(src, name), &s); err != nil {
			t.Fatal(err)
		}
		if err := unix.Stat(filepath.Join(dst, name), &d); err != nil {
			t.Fatal(err)
		}
		if d.Blocks > s.Blocks || d.Blocks*512 >= d.Size {
			t.Errorf("%s: copy has %d blocks for %d bytes, source %d blocks: holes were filled", name, d.Blocks, d.Size, s.Blocks)
		}
	}
}

func TestCopyTreeErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, src, dst string) (string, string) // returns dst, src to use
		wantIs  error
		wantMsg string
		keepDst bool // dst existed before and must survive
	}{
		{
			name: "dst exists",
			setup: func(t *testing.T, src, dst string) (string, string) {
				mustMkdir(t, dst)
				mustWrite(t, filepath.Join(dst, "keep"), "k")
				return dst, src
			},
			wantIs: fs.ErrExist, wantMsg: "destination", keepDst: true,
		},
		{
			name: "dst inside src",
			setup: func(t *testing.T, src, dst string) (string, string) {
				return filepath.Join(src, "sub", "copy"), src
			},
			wantMsg: "is inside the source",
		},
		{
			name: "src missing",
			setup: func(t *testing.T, src, dst string) (string, string) {
				return dst, filepath.Join(src, "missing")
			},
			wantIs: fs.ErrNotExist,
		},
		{
			name: "dst parent missing",
			setup: func(t *testing.T, src, dst string) (string, string) {
				return filepath.Join(dst, "no", "such"), src
			},
			wantIs: fs.ErrNotExist,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tempDir(t)
			build(t, src, []step{mkdir("sub"), write("sub/f", "f")})
			dst, from := tt.setup(t, src, filepath.Join(tempDir(t), "dst"))
			err := CopyTree(dst, from, nil)
			checkErr(t, err, tt.wantIs, tt.wantMsg)
			_, serr := os.Lstat(dst)
			if tt.keepDst {
				mustExist(t, filepath.Join(dst, "keep"))
			} else if !errors.Is(serr, fs.ErrNotExist) {
				t.Errorf("failed copy left %s behind (lstat: %v)", dst, serr)
			}
		})
	}
}

// TestCopyTreeUnprivileged checks the errors a caller without privileges
// gets, and that they name the path and keep the errno.
func TestCopyTreeUnprivileged(t *testing.T) {
	if isRoot() {
		t.Skip("root reads mode 0000 files and makes device nodes")
	}
	t.Run("unreadable file", func(t *testing.T) {
		src := tempDir(t)
		build(t, src, []step{mkdir("d"), write("d/secret", "s"), chmod("d/secret", 0)})
		dst := filepath.Join(tempDir(t), "dst")
		err := CopyTree(dst, src, nil)
		checkErr(t, err, unix.EACCES, "cow: copy d/secret: open: permission denied")
		mustNotExist(t, dst)
	})
	t.Run("device node", func(t *testing.T) {
		dst := filepath.Join(tempDir(t), "null")
		err := CopyTree(dst, "/dev/null", nil)
		checkErr(t, err, unix.EPERM, "make char device 1:3 (needs CAP_MKNOD)")
		mustNotExist(t, dst)
	})
}

func TestCopyTreeRootTypes(t *testing.T) {
	src := tempDir(t)
	build(t, src, []step{write("f", "data"), symlink("f", "l"), mknod("p", unix.S_IFIFO|0o600, 0)})
	for _, name := range []string{"f", "l", "p"} {
		t.Run(name, func(t *testing.T) {
			dst := filepath.Join(tempDir(t), "copy")
			if err := CopyTree(dst, filepath.Join(src, name), nil); err != nil {
				t.Fatal(err)
			}
			requireSameTree(t, filepath.Join(src, name), dst)
		})
	}
}

func TestCopyFile(t *testing.T) {
	src := tempDir(t)
	build(t, src, []step{
		write("f", "content"), setxattr("f", "user.k", []byte("v")), chmod("f", 0o4711), mtime("f", 1e18+5),
		sparse("sparse", 3<<20, [2]int64{1 << 20, 4096}),
		symlink("f", "link"), mkdir("dir"),
	})
	tests := []struct {
		name, src string
		dst       func(dir string) string
		wantIs    error
		wantMsg   string
	}{
		{name: "regular", src: "f"},
		{name: "sparse", src: "sparse"},
		{name: "dst exists", src: "f", dst: func(string) string { return filepath.Join(src, "sparse") }, wantIs: fs.ErrExist},
		{name: "src symlink", src: "link", wantMsg: "not a regular file"},
		{name: "src dir", src: "dir", wantMsg: "not a regular file"},
		{name: "src missing", src: "missing", wantIs: fs.ErrNotExist},
		{name: "dst dir missing", src: "f", dst: func(d string) string { return filepath.Join(d, "x", "y") }, wantIs: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tempDir(t)
			dst := filepath.Join(dir, "copy")
			if tt.dst != nil {
				dst = tt.dst(dir)
			}
			before := snapshot(t, src)
			err := CopyFile(dst, filepath.Join(src, tt.src), nil)
			if tt.wantIs != nil || tt.wantMsg != "" {
				checkErr(t, err, tt.wantIs, tt.wantMsg)
				requireSame(t, before, snapshot(t, src), "source after a failed copy")
				if tt.dst == nil {
					mustNotExist(t, dst)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			requireSameTree(t, filepath.Join(src, tt.src), dst)
		})
	}
}

func TestReflinkSupportedOnTempDir(t *testing.T) {
	ok, err := ReflinkSupported(tempDir(t))
	if err != nil {
		t.Fatal(err)
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs(tempDir(t), &sfs); err != nil {
		t.Fatal(err)
	}
	if uint32(sfs.Type) == unix.EXT4_SUPER_MAGIC && ok {
		t.Error("ReflinkSupported is true on ext4")
	}
	t.Logf("reflink in the temp dir (fs magic %#x): %v", sfs.Type, ok)
	if _, err := ReflinkSupported(filepath.Join(tempDir(t), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("probe of a missing dir: %v, want ErrNotExist", err)
	}
}

func TestSplitRel(t *testing.T) {
	tests := []struct {
		rel     string
		want    string
		wantErr string
	}{
		{"etc/hosts", "etc|hosts", ""},
		{"/etc//hosts/", "etc|hosts", ""},
		{"./a/./b", "a|b", ""},
		{"a", "a", ""},
		{"../x", "", "escapes"},
		{"a/../../x", "", "escapes"},
		{"a/..", "", "escapes"},
		{"/", "", "root itself"},
		{"", "", "root itself"},
		{".", "", "root itself"},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			got, err := splitRel(tt.rel)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("splitRel(%q) = %v, %v; want error with %q", tt.rel, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || strings.Join(got, "|") != tt.want {
				t.Fatalf("splitRel(%q) = %q, %v; want %q", tt.rel, got, err, tt.want)
			}
		})
	}
}

// TestCopierConcurrent shares one Copier and one Stats between copies
// running at once; run it with -race.
func TestCopierConcurrent(t *testing.T) {
	src := tempDir(t)
	build(t, src, []step{mkdir("d"), write("d/f", "f"), random("big", 1<<20, 1), symlink("d/f", "l")})
	var stats Stats
	c := NewCopier(&Options{Stats: &stats})
	dir := tempDir(t)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- c.CopyTree(filepath.Join(dir, fmt.Sprint(i)), src) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		requireSameTree(t, src, filepath.Join(dir, fmt.Sprint(i)))
	}
	if stats.Files != 2*n || stats.Dirs != 2*n || stats.Symlinks != n || stats.Bytes != n*(1<<20+1) {
		t.Errorf("stats %+v after %d copies of 2 files, 2 dirs, 1 symlink", stats, n)
	}
}
