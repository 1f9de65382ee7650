package drivertest

import (
	"errors"
	"runtime"
	"slices"
	"testing"

	"github.com/layerfs/graphdriver"
)

// Factory opens a backend with its home directory at home (creating it if
// needed). The suite calls it once per subtest with a fresh home, and
// again with the same home to test reopening. An error wrapping
// graphdriver.ErrNotSupported makes the subtest skip with that reason.
type Factory func(home string) (graphdriver.Driver, error)

// check is one named conformance check; it gets a driver on a fresh home.
type check struct {
	name string
	run  func(h *harness)
}

// checks lists the suite in the order it runs: the lifecycle half, then
// the diff half (layer tars, Changes, DiffSize, ApplyDiff), whose checks
// skip with the backend's reason when a diff operation is ErrNotSupported.
var checks = []check{
	{"create-empty", checkCreateEmpty},
	{"create-from-parent", checkCreateFromParent},
	{"exists-remove", checkExistsRemove},
	{"errors", checkErrors},
	{"error-messages", checkErrorMessages},
	{"get-put-refcount", checkRefcount},
	{"get-put-concurrent", checkConcurrentGetPut},
	{"chain-128", checkChain(128)},
	{"chain-500", checkLongChain},
	{"shadowing-copy-up", checkShadowing},
	{"deletes-hidden", checkDeletes},
	{"reopen", checkReopen},
	{"status-metadata", checkStatus},
	{"diff-ops-available", checkDiffOps},
	{"diff-exact", checkDiffExact},
	{"changes-exact", checkChangesExact},
	{"diffsize-exact", checkDiffSizeExact},
	{"apply-roundtrip", checkApplyRoundTrip},
	{"apply-canonical", checkApplyCanonical},
	{"apply-noncanonical", checkApplyNoncanonical},
	{"whiteouts-three-layers", checkWhiteoutsThreeLayers},
	{"replace-types", checkReplaceTypes},
	{"rename-lower-dir", checkRenameLowerDir},
	{"hardlinks-diff", checkHardlinksDiff},
	{"apply-hostile", checkApplyHostile},
	{"changes-parent-empty", checkChangesParentEmpty},
	{"random-model", checkRandomModel},
}

// Option tells the suite about a backend's documented deviation from the
// union semantics, so the checks that would see it leave it out and log
// why instead of failing.
type Option func(*config)

type config struct {
	splitsLowerHardlinks string // why, when writing to a lower hardlink splits it
	lossyCopyUp          string // why, when copying up anything but files and plain dirs loses data
}

// SplitsLowerHardlinks declares that writing to one name of a hardlink
// made in a lower layer copies that name up alone, so the view no longer
// shows the names as one file. Kernel overlayfs does this when mounted
// with index=off. reason is logged where checks leave such writes out.
func SplitsLowerHardlinks(reason string) Option {
	return func(c *config) { c.splitsLowerHardlinks = reason }
}

// LossyCopyUp declares that copying a lower entry up is exact only for
// regular files and directories without setuid or setgid: a lower
// symlink, fifo or device, or such a directory, copied up (by a chmod,
// a rename, or a change below the directory) loses part of what it was,
// renaming a lower directory copies its tree up that way, a hardlink to
// a lower file shows as a separate file once the view is mounted again,
// removing one name of a lower hardlink copies another up alone, and a
// copy-up gives the directories it writes into a new mtime. The
// fuse-overlayfs mount program does this. reason is logged where the
// random-model check leaves such operations out.
func LossyCopyUp(reason string) Option {
	return func(c *config) { c.lossyCopyUp = reason }
}

// Run runs every conformance check as a subtest of t, each on a fresh
// home (t.TempDir()), calling the driver's Cleanup in t.Cleanup. Checks
// that need root skip with the reason when not run as root.
func Run(t *testing.T, f Factory, opts ...Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if runtime.GOOS != "linux" {
		t.Skipf("drivertest: the conformance suite runs on linux only, not %s", runtime.GOOS)
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, f)
			h.cfg = cfg
			c.run(h)
		})
	}
}

// expectErr fails t unless err wraps target.
func expectErr(t testing.TB, err, target error, call string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one wrapping %q", call, err, target)
	}
}

// expectOneOf fails t unless err wraps one of targets.
func expectOneOf(t testing.TB, err error, call string, targets ...error) {
	t.Helper()
	if !slices.ContainsFunc(targets, func(target error) bool { return errors.Is(err, target) }) {
		t.Errorf("%s: got error %v, want one wrapping one of %q", call, err, targets)
	}
}

// skipIfNotSupported skips t when err wraps ErrNotSupported.
func skipIfNotSupported(t testing.TB, err error, what string) {
	t.Helper()
	if errors.Is(err, graphdriver.ErrNotSupported) {
		t.Skipf("%s: not supported: %v", what, err)
	}
}

// Opener is the Factory of a backend whose New opens a home with
// options and an id map, as every backend's New does: it opens home
// with opts and no id map.
func Opener[D graphdriver.Driver](open func(home string, opts []string, idMap graphdriver.IDMap) (D, error), opts ...string) Factory {
	return func(home string) (graphdriver.Driver, error) {
		d, err := open(home, opts, graphdriver.IDMap{})
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return d, nil
	}
}
