package archive_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestApplyRealTars builds tars of a small tree with GNU tar and bsdtar
// (libarchive-tools), applies them and compares the result with the
// source: types, modes, contents, symlink targets, xattrs, hardlinks,
// times, and holes of the sparse file.
func TestApplyRealTars(t *testing.T) {
	tools := []struct {
		name   string
		bin    string
		args   []string
		xattrs bool // the format carries xattrs
	}{
		{"gnu tar pax", "tar", []string{"--format=pax", "--xattrs", "--xattrs-include=user.*", "-S", "-cf"}, true},
		{"gnu tar gnu", "tar", []string{"--format=gnu", "-S", "-cf"}, false},
		{"bsdtar pax", "bsdtar", []string{"--format", "pax", "--read-sparse", "-cf"}, true},
	}
	for _, tool := range tools {
		t.Run(tool.name, func(t *testing.T) {
			if _, err := exec.LookPath(tool.bin); err != nil {
				t.Skipf("%s is not installed (GNU tar: package tar; bsdtar: package libarchive-tools)", tool.bin)
			}
			src := sourceTree(t)
			out := filepath.Join(t.TempDir(), "layer.tar")
			cmd := exec.Command(tool.bin, append(tool.args, out, "-C", src, ".")...)
			b, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s: %s", cmd, b)
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			root, _, err := applyLayer(t, data, testOptions(whiteout.AUFS))
			require.NoError(t, err)
			want, got := describeTree(t, src), describeTree(t, root)
			if !tool.xattrs {
				want, got = withoutXattrs(want), withoutXattrs(got)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("applied tree differs from the source (-src +applied):\n%s", diff)
			}
			compareTimes(t, src, root)
			require.True(t, sameInode(t, filepath.Join(root, "bin/a"), filepath.Join(root, "bin/b")), "hardlink kept")
			var st unix.Stat_t
			require.NoError(t, unix.Stat(filepath.Join(root, "var/sparse.img"), &st))
			require.Less(t, st.Blocks*512, int64(1<<20), "sparse file of %d bytes allocated %d", st.Size, st.Blocks*512)
		})
	}
}

// sourceTree makes the tree the tools archive, with whole-second times.
func sourceTree(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	mk := func(p string, mode os.FileMode) {
		require.NoError(t, os.MkdirAll(filepath.Join(src, p), 0o755))
		require.NoError(t, os.Chmod(filepath.Join(src, p), mode))
	}
	write := func(p, body string, mode os.FileMode) {
		require.NoError(t, os.WriteFile(filepath.Join(src, p), []byte(body), 0o600))
		require.NoError(t, os.Chmod(filepath.Join(src, p), mode))
	}
	mk("bin", 0o755)
	mk("etc/conf.d", 0o750)
	mk("tmp", 0o1777)
	mk("var", 0o755)
	write("bin/a", "#!/bin/sh\necho a\n", 0o4755)
	require.NoError(t, os.Link(filepath.Join(src, "bin/a"), filepath.Join(src, "bin/b")))
	write("etc/conf.d/x.conf", "x=1\n", 0o640)
	write("etc/empty", "", 0o600)
	require.NoError(t, os.Symlink("/etc/conf.d/x.conf", filepath.Join(src, "etc/abs-link")))
	require.NoError(t, os.Symlink("../bin/a", filepath.Join(src, "etc/rel-link")))
	require.NoError(t, unix.Mkfifo(filepath.Join(src, "var/fifo"), 0o620))
	require.NoError(t, unix.Setxattr(filepath.Join(src, "etc/conf.d/x.conf"), "user.checksum", []byte("abc"), 0))
	require.NoError(t, unix.Setxattr(filepath.Join(src, "etc/conf.d"), "user.dir", []byte("d"), 0))
	f, err := os.Create(filepath.Join(src, "var/sparse.img"))
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("head"), 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("middle"), 3<<20)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(8<<20))
	require.NoError(t, f.Close())
	stamp := time.Unix(1_500_000_000, 0)
	var paths []string
	require.NoError(t, filepath.Walk(src, func(p string, _ os.FileInfo, err error) error {
		paths = append(paths, p)
		return err
	}))
	for i := len(paths) - 1; i >= 0; i-- { // children first: parents' times last
		ts := []unix.Timespec{unix.NsecToTimespec(stamp.UnixNano()), unix.NsecToTimespec(stamp.UnixNano())}
		require.NoError(t, unix.UtimesNanoAt(unix.AT_FDCWD, paths[i], ts, unix.AT_SYMLINK_NOFOLLOW))
	}
	return src
}

var xattrSuffix = regexp.MustCompile(` \{.*\}$`)

func withoutXattrs(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = xattrSuffix.ReplaceAllString(v, "")
	}
	return out
}

// compareTimes checks every entry of src has the same mtime in root.
func compareTimes(t *testing.T, src, root string) {
	t.Helper()
	for rel := range describeTree(t, src) {
		var a, b unix.Stat_t
		require.NoError(t, unix.Lstat(filepath.Join(src, rel), &a))
		require.NoError(t, unix.Lstat(filepath.Join(root, rel), &b))
		require.Equal(t, a.Mtim.Sec, b.Mtim.Sec, "mtime of %s", rel)
	}
}
