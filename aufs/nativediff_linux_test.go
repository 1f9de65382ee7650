package aufs

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	dt "github.com/layerfs/graphdriver/drivertest"
	"github.com/layerfs/graphdriver/internal/upperdifftest"
	"github.com/stretchr/testify/require"
)

// TestNativeDiffMatchesNaive holds the native diff (a walk of the diff
// dir) to the naive one (both merged views) on fuse-overlayfs views:
// same Changes, same DiffSize, same tar bytes, and the native path taken
// where the case says so. Made by ApplyDiff, the same changes are
// archive's AUFS whiteouts and markers instead of the mount program's.
func TestNativeDiffMatchesNaive(t *testing.T) {
	d := openDriver(t, t.TempDir())
	upperdifftest.MatchesNaive(t, d, d.differ())
}

// TestNativeDiffDockerForms: what kernel aufs leaves in a branch that
// neither the mount program nor ApplyDiff writes: AUFS metadata at the
// root (never walked, never in a tar), read-only whiteouts and markers.
// The native walk takes them and agrees with naive.
func TestNativeDiffDockerForms(t *testing.T) {
	d := openDriver(t, t.TempDir())
	require.NoError(t, d.Create("base", "", nil))
	upperdifftest.ApplyStep(t, d, "base", dt.ApplierFunc(upperdifftest.Base))
	require.NoError(t, d.Create("docker", "base", nil))
	diff := d.diffDir("docker")
	for _, dir := range []string{".wh..wh.plnk", ".wh..wh.orph", "a", "b"} {
		require.NoError(t, os.Mkdir(filepath.Join(diff, dir), 0o755))
	}
	for _, f := range []string{".wh..wh.aufs", "b/.wh..wh..opq", "b/new", ".wh.f", "a/.wh.1"} {
		require.NoError(t, os.WriteFile(filepath.Join(diff, f), nil, 0o444))
	}
	for _, dir := range []string{"a", "b"} {
		ft := upperdifftest.FixedTime
		require.NoError(t, os.Chtimes(filepath.Join(diff, dir), ft, ft))
	}
	upperdifftest.RequireMatches(t, d, d.differ(), "docker", true)
	got, err := d.Changes("docker", "")
	require.NoError(t, err)
	require.Equal(t, "[C /a D /a/1 C /b A /b/new D /b/sub D /b/x D /f]", fmt.Sprint(got))
}

// TestNativeDiffOtherParentFallsBack: against another layer than its own
// parent, and for a base layer, the naive walk answers.
func TestNativeDiffOtherParentFallsBack(t *testing.T) {
	d := openDriver(t, t.TempDir())
	upperdifftest.OtherParentFallsBack(t, d, d.differ())
}
