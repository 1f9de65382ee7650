package overlay2

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestCrashLeftoversPurged: a Create or Remove cut short by a crash
// (moby#21925: orphan layers) leaves .tmp-<id> or .removing-<id>; open
// purges them and the layers beside them survive.
func TestCrashLeftoversPurged(t *testing.T) {
	home := filepath.Join(t.TempDir(), "overlay2")
	d := openDriver(t, home)
	require.NoError(t, d.CreateReadWrite("keep", "", nil))
	require.NoError(t, d.Cleanup())
	for _, dir := range []string{".tmp-x/diff", ".removing-y/diff/sub", probePrefix + "123/l1"} {
		require.NoError(t, os.MkdirAll(filepath.Join(home, dir), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(home, dir, "f"), []byte("x"), 0o644))
	}
	d = openDriver(t, home)
	for _, name := range []string{".tmp-x", ".removing-y", probePrefix + "123"} {
		require.NoDirExists(t, filepath.Join(home, name))
	}
	require.True(t, d.Exists("keep"))
	require.False(t, d.Exists("x") || d.Exists("y"))
}

// TestCrashStaleMountUnmounted: views a crashed process left mounted
// (one through Get, one mounted by hand) are unmounted on open, and the
// layers can be removed: no "device or resource busy".
func TestCrashStaleMountUnmounted(t *testing.T) {
	home := filepath.Join(t.TempDir(), "overlay2")
	d := openDriver(t, home)
	require.NoError(t, d.CreateReadWrite("base", "", nil))
	writeView(t, d, "base", map[string]string{"f": "base\n"})
	require.NoError(t, d.CreateReadWrite("child", "base", nil))
	require.NoError(t, d.CreateReadWrite("other", "base", nil))
	_, err := d.Get("child", "") // never Put: the process "crashes"
	require.NoError(t, err)
	real, err := filepath.EvalSymlinks(home)
	require.NoError(t, err)
	data := "lowerdir=" + filepath.Join(real, "base/diff") + ",upperdir=" + filepath.Join(real, "other/diff") +
		",workdir=" + filepath.Join(real, "other/work") + ",index=off"
	require.NoError(t, unix.Mount("overlay", filepath.Join(real, "other/merged"), "overlay", 0, data))
	t.Cleanup(func() { _ = unix.Unmount(filepath.Join(real, "other/merged"), unix.MNT_DETACH) })

	d2 := openDriver(t, home) // the next process; d is abandoned
	requireNoMountsUnder(t, home)
	require.Equal(t, "base\n", readView(t, d2, "child", "f"))
	require.NoError(t, d2.Remove("child"))
	require.NoError(t, d2.Remove("other"))
	require.NoError(t, d2.Remove("base"))
}
