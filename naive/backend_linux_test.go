package naive

import (
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/drivertest"
	"github.com/layerfs/graphdriver/internal/loopfs"
)

func newDriver(home string) (graphdriver.Driver, error) {
	return New(home, nil, graphdriver.IDMap{})
}

func TestConformance(t *testing.T) {
	drivertest.Run(t, newDriver)
}

// TestConformanceOnXFSReflink runs the suite again on a loopback xfs with
// reflink, where views clone file extents instead of copying them.
func TestConformanceOnXFSReflink(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: skipping the loopback xfs run")
	}
	mnt := loopfs.New(t, "xfs", 1<<30, []string{"-m", "reflink=1"}, "")
	t.Setenv("TMPDIR", mnt)
	drivertest.Run(t, newDriver)
}
