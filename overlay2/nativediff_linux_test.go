package overlay2

import (
	"testing"

	"github.com/layerfs/graphdriver/internal/upperdifftest"
)

// TestNativeDiffMatchesNaive holds the native diff to the naive one on
// real overlay mounts: same Changes, same DiffSize, same tar bytes, and
// the native path taken where the case says so. Made by ApplyDiff, the
// same changes are archive's whiteouts and opaque xattrs instead of the
// kernel's.
func TestNativeDiffMatchesNaive(t *testing.T) {
	d := openDriver(t, t.TempDir())
	upperdifftest.MatchesNaive(t, d, d.differ())
}

// TestNativeDiffOtherParentFallsBack: against another layer than its own
// parent, and for a base layer, the naive walk answers.
func TestNativeDiffOtherParentFallsBack(t *testing.T) {
	d := openDriver(t, t.TempDir())
	upperdifftest.OtherParentFallsBack(t, d, d.differ())
}
