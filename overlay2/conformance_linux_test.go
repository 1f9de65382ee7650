package overlay2

import (
	"testing"

	"github.com/layerfs/graphdriver/drivertest"
)

// TestConformance runs the suite with the mount API chosen by the probes
// (the new one, with lowerdir+, on Linux >= 6.8).
func TestConformance(t *testing.T) {
	drivertest.Run(t, drivertest.Opener(New), splitsLowerHardlinks)
}

// TestConformanceLegacyMount runs the suite forcing mount(2) with short
// links; the 500-layer chain does not fit a page there and is skipped
// with the budget error (ErrNotSupported).
func TestConformanceLegacyMount(t *testing.T) {
	drivertest.Run(t, drivertest.Opener(New, "overlay2.mount_api=legacy"), splitsLowerHardlinks)
}

// splitsLowerHardlinks is overlayfs's documented behaviour with index=off,
// which overlay2 always mounts (a lower that is another mount's upper
// must not fail with EBUSY): copy-up of one name of a lower hardlink
// copies that name alone.
var splitsLowerHardlinks = drivertest.SplitsLowerHardlinks(
	"overlayfs with index=off copies up one name of a lower hardlink alone")

// TestRegistered: importing the package registers the backend, and New("")
// picks a root that holds its state.
func TestRegistered(t *testing.T) { drivertest.CheckRegistered(t, Name) }
