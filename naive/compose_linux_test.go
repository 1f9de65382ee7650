package naive

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
	"github.com/layerfs/graphdriver/whiteout"
)

// makeDiff builds an AUFS-form layer diff from lines: "f path content",
// "d path mode" (octal), "w path" (a whiteout of path), "o dir" (an
// opaque marker in dir, "." for the root), "l path target" (a hardlink).
func makeDiff(t *testing.T, lines ...string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "diff")
	ops.Must(t, os.Mkdir(root, 0o755))
	for _, line := range lines {
		f := strings.SplitN(line, " ", 3)
		p := filepath.Join(root, f[1])
		dir := filepath.Dir(p)
		if f[0] == "o" {
			dir = p
		}
		ops.Must(t, os.MkdirAll(dir, 0o755))
		switch f[0] {
		case "f":
			ops.Must(t, os.WriteFile(p, []byte(f[2]), 0o644))
		case "d":
			mode, err := strconv.ParseUint(f[2], 8, 32)
			ops.Must(t, err)
			ops.Must(t, os.MkdirAll(p, 0o755))
			ops.Must(t, os.Chmod(p, os.FileMode(mode)))
		case "w":
			ops.Must(t, whiteout.MakeWhiteout(filepath.Dir(p), filepath.Base(p), whiteout.AUFS))
		case "o":
			ops.Must(t, whiteout.MakeOpaque(p, whiteout.AUFS))
		case "l":
			ops.Must(t, os.Link(filepath.Join(root, f[2]), p))
		}
	}
	return root
}

// listTree describes the tree at root one line per path, sorted:
// "path/ mode" for a directory, "path=content" for a file.
func listTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if fi.IsDir() {
			out = append(out, rel+"/ "+strconv.FormatUint(uint64(fi.Mode().Perm()), 8))
			return nil
		}
		b, err := os.ReadFile(p)
		out = append(out, rel+"="+string(b))
		return err
	})
	ops.Must(t, err)
	slices.Sort(out)
	return out
}

func TestComposeUnion(t *testing.T) {
	tests := []struct {
		name   string
		layers [][]string // topmost first
		want   []string
	}{
		{
			name:   "upper shadows lower",
			layers: [][]string{{"f a upper"}, {"f a lower", "f b lower"}},
			want:   []string{"a=upper", "b=lower"},
		},
		{
			name:   "whiteout hides lower layers only",
			layers: [][]string{{"w a", "w b", "f b own"}, {"f a lower", "f b lower"}},
			want:   []string{"b=own"},
		},
		{
			name:   "opaque dir stops the descent",
			layers: [][]string{{"o d", "f d/new new"}, {"f d/old old", "f d/new old"}},
			want:   []string{"d/ 755", "d/new=new"},
		},
		{
			name:   "whiteout of a dir ends its lower parts",
			layers: [][]string{{"f d/top top"}, {"w d"}, {"f d/bottom bottom"}},
			want:   []string{"d/ 755", "d/top=top"},
		},
		{
			name:   "directories merge, metadata from the topmost",
			layers: [][]string{{"d d 700", "f d/x x"}, {"d d 755", "f d/y y"}, {"f d/z z"}},
			want:   []string{"d/ 700", "d/x=x", "d/y=y", "d/z=z"},
		},
		{
			name:   "a file over a dir hides the dir",
			layers: [][]string{{"f d file"}, {"f d/x x"}},
			want:   []string{"d=file"},
		},
		{
			name:   "a dir over a file replaces it",
			layers: [][]string{{"f d/x x"}, {"f d file"}},
			want:   []string{"d/ 755", "d/x=x"},
		},
		{
			name:   "root opaque marker",
			layers: [][]string{{"o .", "f a a"}, {"f b b"}},
			want:   []string{"a=a"},
		},
		{
			name:   "aufs metadata at the root is not shown",
			layers: [][]string{{"d .wh..wh.plnk 700", "f .wh..wh.plnk/1.2 x", "f a a"}},
			want:   []string{"a=a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diffs []string
			for _, l := range tt.layers {
				diffs = append(diffs, makeDiff(t, l...))
			}
			for _, farm := range []bool{false, true} {
				dst := filepath.Join(t.TempDir(), "view")
				c := &composer{copier: cow.NewCopier(nil), farm: farm}
				ops.Must(t, c.compose(dst, diffs))
				if got := listTree(t, dst); !slices.Equal(got, tt.want) {
					t.Errorf("farm=%v: view = %q, want %q", farm, got, tt.want)
				}
			}
		})
	}
}

// TestComposeHardlinks checks that names of one inode within a layer stay
// one inode in a view (a copy of it, not the diff's), and are the diff's
// inode in a link farm.
func TestComposeHardlinks(t *testing.T) {
	lower := makeDiff(t, "f a data", "l b a", "l c a")
	upper := makeDiff(t, "f c replaced")
	for _, farm := range []bool{false, true} {
		dst := filepath.Join(t.TempDir(), "view")
		c := &composer{copier: cow.NewCopier(nil), farm: farm}
		ops.Must(t, c.compose(dst, []string{upper, lower}))
		a, b, c2, diffA := ino(t, dst, "a"), ino(t, dst, "b"), ino(t, dst, "c"), ino(t, lower, "a")
		if a != b || a == c2 {
			t.Errorf("farm=%v: inodes a=%d b=%d c=%d; want a and b one inode, c another", farm, a, b, c2)
		}
		if (a == diffA) != farm {
			t.Errorf("farm=%v: view's a shares the diff's inode: %v", farm, a == diffA)
		}
	}
}

func ino(t *testing.T, root, rel string) uint64 {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(root, rel))
	ops.Must(t, err)
	return fi.Sys().(*syscall.Stat_t).Ino
}

func TestComposeRejectsMalformedWhiteout(t *testing.T) {
	diff := makeDiff(t, "f .wh..wh.bogus x")
	c := &composer{copier: cow.NewCopier(nil)}
	dst := filepath.Join(t.TempDir(), "view")
	err := c.compose(dst, []string{diff})
	if err == nil || !strings.Contains(err.Error(), ".wh..wh.bogus") {
		t.Fatalf("compose of a diff with .wh..wh.bogus = %v, want an error naming it", err)
	}
	if _, err := os.Lstat(dst); !os.IsNotExist(err) {
		t.Errorf("a failed compose left %s (err %v)", dst, err)
	}
}

func TestClassify(t *testing.T) {
	present := func(id string) bool { return id == "here" }
	tests := []struct {
		name  string
		isDir bool
		want  leftover
	}{
		{"layer", true, keepLayer},
		{"file-not-dir", false, ignoreEntry},
		{".tmp-a", true, purge},
		{".removing-a", true, purge},
		{".apply-a", true, ignoreEntry},
		{".fold-a", true, purge},
		{".old-gone", true, restoreOld},
		{".old-here", true, purge},
		{".old-..", true, purge},
		{"bad id!", true, ignoreEntry},
	}
	for _, tt := range tests {
		if got := classify(tt.name, tt.isDir, present); got != tt.want {
			t.Errorf("classify(%q, %v) = %d, want %d", tt.name, tt.isDir, got, tt.want)
		}
	}
}

func TestUnchangedError(t *testing.T) {
	var changes []graphdriver.Change
	for i := range maxNamed + 5 {
		changes = append(changes, graphdriver.Change{Path: fmt.Sprintf("/f%02d", i), Kind: graphdriver.ChangeAdd})
	}
	ro := unchangedError(false, 0, changes[:2]).Error()
	if want := "changes in the view of a read-only layer not kept: A /f00, A /f01"; ro != want {
		t.Errorf("read-only: %q, want %q", ro, want)
	}
	rw := unchangedError(true, 3, changes)
	if !errors.Is(rw, graphdriver.ErrHasChildren) || !strings.Contains(rw.Error(), "A /f19, and 5 more") ||
		strings.Contains(rw.Error(), "/f20") || !strings.Contains(rw.Error(), "3 children") {
		t.Errorf("parent: %v, want ErrHasChildren naming 20 paths and 5 more, and 3 children", rw)
	}
}
