package aufs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// step changes a merged view.
type step func(root string) error

func steps(s ...step) step {
	return func(root string) error {
		for _, f := range s {
			if err := f(root); err != nil {
				return err
			}
		}
		return nil
	}
}

func in(root, name string) string { return filepath.Join(root, name) }

func write(name, content string) step {
	return func(r string) error { return os.WriteFile(in(r, name), []byte(content), 0o644) }
}
func appendTo(name, content string) step {
	return func(r string) error {
		f, err := os.OpenFile(in(r, name), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		_, err = f.WriteString(content)
		return errorsJoin(err, f.Close())
	}
}
func mkdir(name string) step { return func(r string) error { return os.Mkdir(in(r, name), 0o755) } }
func rm(name string) step    { return func(r string) error { return os.Remove(in(r, name)) } }
func rmAll(name string) step { return func(r string) error { return os.RemoveAll(in(r, name)) } }
func symlink(to, name string) step {
	return func(r string) error { return os.Symlink(to, in(r, name)) }
}
func hardlink(old, name string) step {
	return func(r string) error { return os.Link(in(r, old), in(r, name)) }
}
func chmod(name string, m os.FileMode) step {
	return func(r string) error { return os.Chmod(in(r, name), m) }
}
func mtime(name string, t time.Time) step {
	return func(r string) error { return os.Chtimes(in(r, name), t, t) }
}
func setXattr(name, key, val string) step {
	return func(r string) error { return unix.Lsetxattr(in(r, name), key, []byte(val), 0) }
}

// mv renames as mv(1) does: a lower dir cannot be renamed with
// redirect_dir=off (EXDEV), so mv copies it and removes the original.
func mv(from, to string) step {
	return func(r string) error { return exec.Command("mv", in(r, from), in(r, to)).Run() }
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

var fixedTime = time.Unix(1700000000, 0)

// nativeBase is the tree every scenario starts from; every mtime is a
// whole second, so same-size rewrites need the content comparison.
func nativeBase(root string) error {
	for _, d := range []string{"a", "b", "b/sub", "e", "r", "r/deep", "tdir", "keep", "keep/k"} {
		if err := os.Mkdir(in(root, d), 0o755); err != nil {
			return err
		}
	}
	files := []string{"a/1", "a/2", "a/3", "b/x", "b/sub/y", "e/1", "e/2", "f", "g", "h", "m", "t",
		"xa", "r/one", "r/deep/two", "typ", "tdir/in", "keep/k/z", "hl1"}
	for _, f := range files {
		if err := os.WriteFile(in(root, f), []byte("content of "+f), 0o644); err != nil {
			return err
		}
	}
	if err := os.Link(in(root, "hl1"), in(root, "hl2")); err != nil {
		return err
	}
	if err := os.Symlink("f", in(root, "link")); err != nil {
		return err
	}
	return filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		return unix.Lutimes(p, []unix.Timeval{{Sec: fixedTime.Unix()}, {Sec: fixedTime.Unix()}})
	})
}

type nativeCase struct {
	name   string
	change step
	native bool // the native path applies (else it must fall back)
}

func nativeCases() []nativeCase {
	later := fixedTime.Add(time.Hour)
	return []nativeCase{
		{"nothing", steps(), true},
		{"add", steps(write("new", "n"), mkdir("nd"), write("nd/x", "x"), mkdir("a/na")), true},
		{"modify", appendTo("f", "more"), true},
		{"same-size-rewrite", steps(write("g", "CONTENT OF g"), mtime("g", fixedTime)), true},
		{"delete", steps(rm("g"), rm("a/1")), true},
		{"delete-dir", rmAll("b"), true},
		{"rmrf-mkdir", steps(rmAll("b"), mkdir("b"), write("b/z", "z")), true},
		{"rmrf-mkdir-same-name", steps(rmAll("b"), mkdir("b"), mkdir("b/sub")), true},
		{"rmrf-mkdir-empty", steps(rmAll("b"), mkdir("b")), true},
		{"emptied", steps(rm("e/1"), rm("e/2")), true},
		{"emptied-refilled", steps(rm("e/1"), rm("e/2"), write("e/3", "3")), true},
		{"emptied-dir-restored", steps(rm("e/1"), rm("e/2"), mtime("e", fixedTime)), true},
		{"chmod", chmod("h", 0o600), true},
		{"chmod-dir", chmod("a", 0o700), true},
		{"mtime", mtime("m", later), true},
		{"touch-restore", steps(mtime("t", later), mtime("t", fixedTime)), true},
		{"chmod-restore", steps(chmod("keep/k/z", 0o600), chmod("keep/k/z", 0o644)), true},
		{"dir-copyup-restored", steps(write("keep/k/tmp", ""), rm("keep/k/tmp"),
			mtime("keep/k", fixedTime), mtime("keep", fixedTime)), true},
		{"symlink-retarget", steps(rm("link"), symlink("g", "link")), true},
		{"symlink-mtime", steps(rm("link"), symlink("f", "link")), true},
		{"file-to-dir", steps(rm("typ"), mkdir("typ"), write("typ/in", "i")), true},
		{"dir-to-file", steps(rmAll("tdir"), write("tdir", "now a file")), true},
		{"rename-lower-dir", mv("r", "r2"), true},
		{"xattr", setXattr("xa", "user.native", "v"), true},
		{"xattr-dir", setXattr("a", "user.native", "v"), true},
		{"opaque-nested", steps(rmAll("b"), mkdir("b"), mkdir("b/sub"), mkdir("b/sub/q"), write("b/sub/y", "new y")), true},
		{"opaque-then-delete", steps(rmAll("b"), mkdir("b"), write("b/x", "x2"), rm("b/x")), true},
		{"create-delete", steps(write("a/tmp", "t"), rm("a/tmp")), true},
		{"delete-mid-entries", steps(rmAll("midfile"), rmAll("fromMid")), true},
		{"deep-modify", appendTo("keep/k/z", "!"), true},
		{"rm-add-same", steps(rm("f"), write("f", "content of f")), true},
		{"root-whiteouts", steps(rm("f"), rm("g"), rm("h")), true},
		{"fifo", func(r string) error { return unix.Mkfifo(in(r, "fifo"), 0o644) }, true},
		{"new-hardlink", hardlink("f", "f2"), false},
		{"touch-hardlinked", appendTo("hl1", "x"), false},
		{"delete-hardlinked", rm("hl2"), false},
	}
}

// TestNativeDiffMatchesNaive holds the native diff to the naive one on
// TestNativeDiffMatchesNaive holds the native diff (a walk of the diff
// dir) to the naive one (both merged views) on fuse-overlayfs views:
// same Changes, same DiffSize, same tar bytes, and the native path taken
// where the case says so.
func TestNativeDiffMatchesNaive(t *testing.T) {
	d := openDriver(t, t.TempDir())
	require.NoError(t, d.Create("base", "", nil))
	applyStep(t, d, "base", nativeBase)
	require.NoError(t, d.Create("mid", "base", nil))
	applyStep(t, d, "mid", steps(write("midfile", "m"), rm("a/3"), mkdir("fromMid")))
	for _, parent := range []string{"base", "mid"} {
		for _, c := range nativeCases() {
			t.Run(parent+"/"+c.name, func(t *testing.T) {
				id := parent + "-" + c.name
				require.NoError(t, d.CreateReadWrite(id, parent, nil))
				applyStep(t, d, id, c.change)
				requireNativeMatches(t, d, id, c.native)
				// The same change made by ApplyDiff (archive's AUFS
				// whiteouts and markers) instead of by the mount program.
				rc, err := d.Diff(id, "")
				require.NoError(t, err)
				require.NoError(t, d.Create(id+"-applied", parent, nil))
				_, err = d.ApplyDiff(id+"-applied", parent, rc)
				require.NoError(t, errorsJoin(err, rc.Close()))
				requireNativeMatches(t, d, id+"-applied", c.native)
			})
		}
	}
}

// TestNativeDiffDockerForms: what kernel aufs leaves in a branch that
// neither the mount program nor ApplyDiff writes: AUFS metadata at the
// root (never walked, never in a tar), read-only whiteouts and markers.
// The native walk takes them and agrees with naive.
func TestNativeDiffDockerForms(t *testing.T) {
	d := openDriver(t, t.TempDir())
	require.NoError(t, d.Create("base", "", nil))
	applyStep(t, d, "base", nativeBase)
	require.NoError(t, d.Create("docker", "base", nil))
	diff := d.diffDir("docker")
	for _, dir := range []string{".wh..wh.plnk", ".wh..wh.orph", "a", "b"} {
		require.NoError(t, os.Mkdir(filepath.Join(diff, dir), 0o755))
	}
	for _, f := range []string{".wh..wh.aufs", "b/.wh..wh..opq", "b/new", ".wh.f", "a/.wh.1"} {
		require.NoError(t, os.WriteFile(filepath.Join(diff, f), nil, 0o444))
	}
	for _, dir := range []string{"a", "b"} {
		require.NoError(t, os.Chtimes(filepath.Join(diff, dir), fixedTime, fixedTime))
	}
	requireNativeMatches(t, d, "docker", true)
	got, err := d.Changes("docker", "")
	require.NoError(t, err)
	require.Equal(t, "[C /a D /a/1 C /b A /b/new D /b/sub D /b/x D /f]", fmt.Sprint(got))
}

func applyStep(t *testing.T, d *Driver, id string, s step) {
	t.Helper()
	dir, err := d.Get(id, "")
	require.NoError(t, err)
	defer func() { require.NoError(t, d.Put(id)) }()
	require.NoError(t, s(dir))
}

func requireNativeMatches(t *testing.T, d *Driver, id string, native bool) {
	t.Helper()
	want, err := d.differ().Changes(id, "")
	require.NoError(t, err)
	got, err := d.nativeChanges(id, "")
	if !native {
		require.ErrorIs(t, err, errNotNative)
		got, err = d.Changes(id, "")
	}
	require.NoError(t, err)
	require.Equal(t, want, got, "Changes")

	wantSize, err := d.differ().DiffSize(id, "")
	require.NoError(t, err)
	gotSize, err := d.DiffSize(id, "")
	require.NoError(t, err)
	require.Equal(t, wantSize, gotSize, "DiffSize")

	wantRC, err := d.differ().Diff(id, "")
	wantTar := readAll(t, wantRC, err)
	gotRC, err := d.Diff(id, "")
	require.Equal(t, wantTar, readAll(t, gotRC, err), "Diff bytes")
}

func readAll(t *testing.T, rc io.ReadCloser, err error) []byte {
	t.Helper()
	require.NoError(t, err)
	var b bytes.Buffer
	_, err = io.Copy(&b, rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	return b.Bytes()
}

// TestNativeDiffOtherParentFallsBack: against another layer than its own
// parent, and for a base layer, the naive walk answers.
func TestNativeDiffOtherParentFallsBack(t *testing.T) {
	d := openDriver(t, t.TempDir())
	require.NoError(t, d.Create("base", "", nil))
	require.NoError(t, d.CreateReadWrite("c1", "base", nil))
	require.NoError(t, d.CreateReadWrite("c2", "c1", nil))
	writeView(t, d, "c2", map[string]string{"x": "x"})
	_, err := d.nativeChanges("c2", "base")
	require.ErrorIs(t, err, errNotNative)
	_, err = d.nativeChanges("base", "")
	require.ErrorIs(t, err, errNotNative)
	got, err := d.Changes("c2", "base")
	require.NoError(t, err)
	require.Len(t, got, 1)
}
