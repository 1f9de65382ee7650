package overlay2

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/testsupport/loopfs"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestIndexOff: with index=on, a lower that is also another mount's
// upper fails with EBUSY. A parent mounted read-write while its child
// mounts it as a lower must work, so every mount sets index=off.
func TestIndexOff(t *testing.T) {
	d := openDriver(t, filepath.Join(t.TempDir(), "overlay2"))
	require.NoError(t, d.CreateReadWrite("base", "", nil))
	require.NoError(t, d.CreateReadWrite("p", "base", nil))
	_, err := d.Get("p", "") // p/diff is this mount's upper
	require.NoError(t, err)
	defer func() { require.NoError(t, d.Put("p")) }()
	require.NoError(t, d.CreateReadWrite("c", "p", nil))
	_, err = d.Get("c", "") // and a lower here: EBUSY with index=on
	require.NoError(t, err)
	require.NoError(t, d.Put("c"))
}

// TestRedirectDirOff: with redirect_dir=on, renaming a lower dir stores
// an empty upper dir plus an overlay.redirect xattr, and a diff of the
// upper drops the moved contents (moby#33733). With redirect_dir=off
// rename(2) gets EXDEV, mv copies, and the diff has every moved file.
func TestRedirectDirOff(t *testing.T) {
	mv, err := exec.LookPath("mv")
	if err != nil {
		t.Skip("no mv program")
	}
	d := openDriver(t, filepath.Join(t.TempDir(), "overlay2"))
	require.NoError(t, d.CreateReadWrite("base", "", nil))
	writeView(t, d, "base", map[string]string{"a/f": "f\n", "a/sub/g": "g\n", "keep": "k\n"})
	require.NoError(t, d.CreateReadWrite("child", "base", nil))
	dir, err := d.Get("child", "")
	require.NoError(t, err)
	err = os.Rename(filepath.Join(dir, "a"), filepath.Join(dir, "b"))
	require.ErrorIs(t, err, unix.EXDEV, "rename of a lower dir with redirect_dir=off")
	out, err := exec.Command(mv, filepath.Join(dir, "a"), filepath.Join(dir, "b")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NoError(t, d.Put("child"))

	changes, err := d.Changes("child", "")
	require.NoError(t, err)
	require.Equal(t, "[D /a A /b A /b/f A /b/sub A /b/sub/g]", fmtChanges(changes))
	rc, err := d.Diff("child", "")
	require.NoError(t, err)
	var names []string
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		names = append(names, hdr.Name)
	}
	require.NoError(t, rc.Close())
	for _, want := range []string{".wh.a", "b/f", "b/sub/g"} {
		require.True(t, slices.Contains(names, want), "Diff lacks %s: %q", want, names)
	}
}

// TestLeakedMountRemoveBusy: a mount left on a layer's merged dir (not
// ours) makes Remove fail with ErrBusy, not with raw EBUSY garbage, and
// the layer stays whole; after unmounting, Remove works. RemoveAll
// through the mount would have deleted the lower layer's files.
func TestLeakedMountRemoveBusy(t *testing.T) {
	home := filepath.Join(t.TempDir(), "overlay2")
	d := openDriver(t, home)
	require.NoError(t, d.CreateReadWrite("base", "", nil))
	writeView(t, d, "base", map[string]string{"precious": "keep\n"})
	require.NoError(t, d.CreateReadWrite("child", "base", nil))
	merged := filepath.Join(d.s.Home, "child", "merged")
	require.NoError(t, unix.Mount(filepath.Join(d.s.Home, "base", "diff"), merged, "", unix.MS_BIND, ""))
	t.Cleanup(func() { _ = unix.Unmount(merged, unix.MNT_DETACH) })

	err := d.Remove("child")
	require.ErrorIs(t, err, graphdriver.ErrBusy)
	require.Contains(t, err.Error(), "child")
	require.True(t, d.Exists("child"))
	require.Equal(t, "keep\n", readFile(t, filepath.Join(home, "base", "diff", "precious")))
	require.NoError(t, unix.Unmount(merged, unix.MNT_DETACH))
	require.NoError(t, d.Remove("child"))
}

// TestDTypeRequired: without d_type (xfs with ftype=0) overlayfs cannot
// tell whiteouts apart; New refuses with ErrNotSupported naming the fix.
func TestDTypeRequired(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: loop-mounted xfs")
	}
	mnt := loopfs.New(t, "xfs", 300<<20, []string{"-m", "crc=0", "-n", "ftype=0"}, "")
	_, err := New(filepath.Join(mnt, "overlay2"), nil, graphdriver.IDMap{})
	require.ErrorIs(t, err, graphdriver.ErrNotSupported)
	require.Contains(t, err.Error(), "ftype=1")
	entries, err := os.ReadDir(mnt)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), probePrefix), "probe dir left: %s", e.Name())
	}
}

// TestOverlayOnOverlay: overlayfs cannot host an upper dir; New refuses
// a home inside an overlay view with ErrNotSupported.
func TestOverlayOnOverlay(t *testing.T) {
	d := openDriver(t, filepath.Join(t.TempDir(), "overlay2"))
	require.NoError(t, d.CreateReadWrite("base", "", nil))
	require.NoError(t, d.CreateReadWrite("child", "base", nil))
	dir, err := d.Get("child", "")
	require.NoError(t, err)
	defer func() { require.NoError(t, d.Put("child")) }()
	_, err = New(filepath.Join(dir, "nested"), nil, graphdriver.IDMap{})
	require.ErrorIs(t, err, graphdriver.ErrNotSupported)
	require.Contains(t, err.Error(), "overlayfs")
}
