package overlay2

import (
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/drivertest"
)

// TestConformance runs the suite with the mount API chosen by the probes
// (the new one, with lowerdir+, on Linux >= 6.8).
func TestConformance(t *testing.T) {
	drivertest.Run(t, func(home string) (graphdriver.Driver, error) {
		return New(home, nil, graphdriver.IDMap{})
	}, splitsLowerHardlinks)
}

// TestConformanceLegacyMount runs the suite forcing mount(2) with short
// links; the 500-layer chain does not fit a page there and is skipped
// with the budget error (ErrNotSupported).
func TestConformanceLegacyMount(t *testing.T) {
	drivertest.Run(t, func(home string) (graphdriver.Driver, error) {
		return New(home, []string{"overlay2.mount_api=legacy"}, graphdriver.IDMap{})
	}, splitsLowerHardlinks)
}

// splitsLowerHardlinks is overlayfs's documented behaviour with index=off,
// which overlay2 always mounts (a lower that is another mount's upper
// must not fail with EBUSY): copy-up of one name of a lower hardlink
// copies that name alone.
var splitsLowerHardlinks = drivertest.SplitsLowerHardlinks(
	"overlayfs with index=off copies up one name of a lower hardlink alone")
