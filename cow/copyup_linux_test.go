package cow

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func lowerTree() []step {
	return []step{
		mkdir("a"), mkdir("a/b"), mkdir("a/b/sub"), write("a/b/sub/x", "x"),
		write("a/b/file", "lower content"), chmod("a/b/file", 0o640),
		symlink("b/file", "a/link"), symlink("b", "a/dirlink"),
		mknod("a/fifo", unix.S_IFIFO|0o600, 0),
		setxattr("a", "user.a", []byte("1")), setxattr("a/b", "user.b", []byte("2")),
		setxattr("a/b/file", "user.f", []byte("3")),
		chown("a", 1234, 5678), chown("a/b/file", 1234, 5678),
		mtime("a/b/file", 1e18+1), mtime("a/b/sub", 1e18+2), mtime("a/b", 1e18+3), mtime("a", 1e18+4),
		chmod("a", 0o750), chmod("a/b", 0o555), chmod("a/b/sub", 0o1777),
	}
}

func TestCopyUp(t *testing.T) {
	tests := []struct {
		name  string
		rel   string
		upper []step // made in upper first
		want  []string
		kept  []string // upper paths that must keep their own metadata
	}{
		{name: "nested file", rel: "a/b/file", want: []string{"a", "a/b", "a/b/file"}},
		{name: "absolute rel", rel: "/a/b/file", want: []string{"a", "a/b", "a/b/file"}},
		{name: "dir without contents", rel: "a/b/sub", want: []string{"a", "a/b", "a/b/sub"}},
		{name: "symlink", rel: "a/link", want: []string{"a", "a/link"}},
		{name: "symlink to dir", rel: "a/dirlink", want: []string{"a", "a/dirlink"}},
		{name: "fifo", rel: "a/fifo", want: []string{"a", "a/fifo"}},
		{
			name: "existing upper parent kept", rel: "a/b/file",
			upper: []step{mkdir("a"), chmod("a", 0o700), mtime("a", 5)},
			want:  []string{"a/b", "a/b/file"}, kept: []string{"a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lower, upper := tempDir(t), tempDir(t)
			build(t, lower, lowerTree())
			build(t, upper, tt.upper)
			lowerBefore, upperBefore := snapshot(t, lower), snapshot(t, upper)
			var stats Stats
			if err := CopyUp(upper, lower, tt.rel, &Options{Stats: &stats}); err != nil {
				t.Fatal(err)
			}
			requireSame(t, lowerBefore, snapshot(t, lower), "lower")
			got := snapshot(t, upper)
			for _, p := range tt.want {
				requireSame(t, lowerBefore[p], got[p], "upper "+p+" compared to lower")
			}
			for _, p := range append(tt.kept, "") {
				requireSame(t, upperBefore[p], got[p], "upper "+p)
			}
			if n := len(got) - 1 - len(tt.want) - len(tt.kept); n != 0 {
				t.Errorf("upper has %d unexpected entries: %v", n, keys(got))
			}
			if stats.Dirs+stats.Files+stats.Symlinks+stats.Specials != int64(len(tt.want)) {
				t.Errorf("stats %+v, want %d entries made", stats, len(tt.want))
			}
		})
	}
}

func TestCopyUpErrors(t *testing.T) {
	tests := []struct {
		name    string
		rel     string
		upper   []step
		wantIs  error
		wantMsg string
	}{
		{name: "dot dot", rel: "../x", wantMsg: `cow: copy up "../x": path escapes the root`},
		{name: "dot dot inside", rel: "a/../../x", wantMsg: "escapes the root"},
		{name: "root", rel: "/", wantMsg: "names the root itself"},
		{name: "empty", rel: "", wantMsg: "names the root itself"},
		{name: "missing", rel: "a/b/nope", wantIs: fs.ErrNotExist, wantMsg: "cow: copy up a/b/nope: stat lower"},
		{name: "missing parent", rel: "a/nope/x", wantIs: fs.ErrNotExist, wantMsg: "cow: copy up a/nope: open lower directory"},
		{name: "lower parent symlink", rel: "a/dirlink/file", wantIs: unix.ENOTDIR},
		{
			name: "upper exists", rel: "a/b/file",
			upper:  []step{mkdir("a"), mkdir("a/b"), write("a/b/file", "upper")},
			wantIs: fs.ErrExist,
		},
		{
			name: "upper parent symlink", rel: "a/b/file",
			upper:  []step{mkdir("elsewhere"), symlink("elsewhere", "a")},
			wantIs: unix.ENOTDIR,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lower, upper := tempDir(t), tempDir(t)
			build(t, lower, lowerTree())
			build(t, upper, tt.upper)
			lowerBefore, upperBefore := snapshot(t, lower), snapshot(t, upper)
			err := CopyUp(upper, lower, tt.rel, nil)
			checkErr(t, err, tt.wantIs, tt.wantMsg)
			requireSame(t, lowerBefore, snapshot(t, lower), "lower")
			requireSame(t, upperBefore, snapshot(t, upper), "upper after a failed copy up")
		})
	}
}

// TestCopyUpFailureRemovesParents makes the last step fail after the
// parents were made (ramfs refuses the file's xattr) and checks that the
// upper is left as it was.
func TestCopyUpFailureRemovesParents(t *testing.T) {
	upper := ramfs(t)
	lower := tempDir(t)
	build(t, lower, lowerTree())
	before := snapshot(t, upper)
	err := CopyUp(upper, lower, "a/b/file", nil)
	checkErr(t, err, unix.EOPNOTSUPP, "cow: copy up a/b/file: set xattr user.f: operation not supported")
	requireSame(t, before, snapshot(t, upper), "upper after a failed copy up")
	if err := CopyUp(upper, lower, "a/b/file", &Options{Xattrs: XattrsSkipUnsupported}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(upper, "a/b/file"))
	if err != nil || string(b) != "lower content" {
		t.Fatalf("copied up file: %q, %v", b, err)
	}
}

func keys(m map[string]entry) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
