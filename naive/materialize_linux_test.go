package naive

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
)

// TestMaterializeNeverLeavesTheSource swaps a directory of a view for a
// symlink to a directory outside it between the plan and the writing of
// the diff, as a process still writing into the view could: the write
// fails and nothing from outside is linked into the diff.
func TestMaterializeNeverLeavesTheSource(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(dir, "outside")
	writeFiles(t, outside, map[string]string{"secret": "not for layers\n"})
	src := filepath.Join(dir, "view")
	ops.Must(t, os.MkdirAll(src, 0o755))
	ops.Must(t, os.Symlink(outside, filepath.Join(src, "a")))
	dst := filepath.Join(dir, "diff")
	entries := []archive.Entry{{Path: "a"}, {Path: "a/secret"}}
	err := materialize(dst, src, entries, func(devIno) bool { return true }, cow.NewCopier(nil))
	if err == nil {
		t.Fatal("materialize through a symlinked directory succeeded")
	}
	if n := ino(t, outside, "secret"); nlink(t, filepath.Join(outside, "secret")) != 1 {
		t.Fatalf("outside/secret (inode %d) got a second name: it was linked into the diff", n)
	}
	t.Logf("refused as it should be: %v", err)
}

// TestStoredEntriesReadsTheAUFSForm lists a stored diff as tar entries:
// whiteouts and markers become entries of their targets, AUFS metadata
// at the root is left out, and a hardlinked inode's size counts once.
func TestStoredEntriesReadsTheAUFSForm(t *testing.T) {
	diff := makeDiff(t, "o .", "f a/x 12345", "l a/y a/x", "w a/gone", "o a", "f b 1", "d .wh..wh.plnk 700")
	entries, size, err := storedEntries(diff)
	ops.Must(t, err)
	want := []archive.Entry{
		{Path: ".", Kind: archive.EntryOpaque},
		{Path: "a"},
		{Path: "a", Kind: archive.EntryOpaque},
		{Path: "a/gone", Kind: archive.EntryWhiteout},
		{Path: "a/x"}, {Path: "a/y"}, {Path: "b"},
	}
	if len(entries) != len(want) {
		t.Fatalf("entries = %v, want %v", entries, want)
	}
	for i := range want {
		if entries[i] != want[i] {
			t.Errorf("entry %d = %v, want %v", i, entries[i], want[i])
		}
	}
	if size != 6 {
		t.Errorf("size = %d, want 6 (5 bytes of a/x once, 1 of b)", size)
	}
}

func nlink(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Lstat(p)
	ops.Must(t, err)
	return uint64(fi.Sys().(*syscall.Stat_t).Nlink)
}
