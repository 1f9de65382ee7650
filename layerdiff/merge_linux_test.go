package layerdiff

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
	"golang.org/x/sys/unix"
)

func listMergeTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case fi.IsDir():
			out = append(out, rel+" d")
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out = append(out, rel+" l:"+target)
		default:
			b, _ := os.ReadFile(p)
			out = append(out, rel+" f:"+string(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name      string
		dst, diff []string
		want      []string
	}{
		{name: "add and replace",
			dst:  []string{"a f:old", "d d", "d/x f:x"},
			diff: []string{"a f:new", "d d", "d/y f:y"},
			want: []string{"a f:new", "d d", "d/x f:x", "d/y f:y"}},
		{name: "whiteouts delete files and trees",
			dst:  []string{"a f:a", "d d", "d/sub d", "d/sub/z f:z", "keep f:k"},
			diff: []string{".wh.a f:", ".wh.d f:"},
			want: []string{"keep f:k"}},
		{name: "opaque dir hides old entries but keeps the diff's",
			dst:  []string{"d d", "d/old f:o", "d/also d", "d/also/x f:x"},
			diff: []string{"d d", "d/.wh..wh..opq f:", "d/new f:n"},
			want: []string{"d d", "d/new f:n"}},
		{name: "whiteout never removes what the diff brings",
			dst:  []string{"x f:lower"},
			diff: []string{".wh.x f:", "x f:upper"},
			want: []string{"x f:upper"}},
		{name: "markers inside a new dir are not copied",
			dst:  []string{},
			diff: []string{"n d", "n/.wh..wh..opq f:", "n/.wh.gone f:", "n/f f:f"},
			want: []string{"n d", "n/f f:f"}},
		{name: "dir replaces file and file replaces dir",
			dst:  []string{"a f:file", "b d", "b/x f:x"},
			diff: []string{"a d", "a/in f:in", "b f:now a file"},
			want: []string{"a d", "a/in f:in", "b f:now a file"}},
		{name: "symlink in dst is replaced, not followed",
			dst:  []string{"real d", "real/keep f:k", "s l:real"},
			diff: []string{"s d", "s/new f:n"},
			want: []string{"real d", "real/keep f:k", "s d", "s/new f:n"}},
		{name: "AUFS metadata at the root is dropped",
			dst:  []string{},
			diff: []string{".wh..wh.plnk d", "f f:f"},
			want: []string{"f f:f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dst, diff := filepath.Join(base, "dst"), filepath.Join(base, "diff")
			ops.FromLines(t, dst, append([]string{". d"}, tt.dst...)...)
			ops.FromLines(t, diff, append([]string{". d"}, tt.diff...)...)
			if err := Merge(dst, diff, cow.NewCopier(nil)); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, listMergeTree(t, dst), cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("merged tree (-want +got):\n%s", d)
			}
		})
	}
}

func TestMergeMetadataAndLinks(t *testing.T) {
	base := t.TempDir()
	dst, diff := filepath.Join(base, "dst"), filepath.Join(base, "diff")
	ops.FromLines(t, dst, ". d", "d d", "d/x f:x")
	ops.FromLines(t, diff, ". d", "d d", "d/a f:linked")
	if err := os.Link(filepath.Join(diff, "d/a"), filepath.Join(diff, "d/b")); err != nil {
		t.Fatal(err)
	}
	dirTime := time.Unix(1_500_000_000, 42)
	rootTime := time.Unix(1_400_000_000, 7)
	if err := os.Chmod(filepath.Join(diff, "d"), 0o711); err != nil {
		t.Fatal(err)
	}
	for p, mt := range map[string]time.Time{filepath.Join(diff, "d"): dirTime, dst: rootTime} {
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	if err := Merge(dst, diff, cow.NewCopier(nil)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Join(dst, "d"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o711 || !fi.ModTime().Equal(dirTime) {
		t.Errorf("merged dir: mode %v mtime %v, want 0711 and %v (the diff's)", fi.Mode(), fi.ModTime(), dirTime)
	}
	if root, _ := os.Lstat(dst); !root.ModTime().Equal(rootTime) {
		t.Errorf("root mtime %v, want %v kept", root.ModTime(), rootTime)
	}
	var a, b unix.Stat_t
	if unix.Lstat(filepath.Join(dst, "d/a"), &a) != nil || unix.Lstat(filepath.Join(dst, "d/b"), &b) != nil || a.Ino != b.Ino {
		t.Errorf("hardlinked a and b are no longer one inode (%d, %d)", a.Ino, b.Ino)
	}
}
