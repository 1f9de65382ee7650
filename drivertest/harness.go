package drivertest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/layerfs/graphdriver"
)

// harness is one check's driver on a fresh home, with helpers that stop
// the test on errors the check does not expect.
type harness struct {
	t       *testing.T
	factory Factory
	home    string
	d       graphdriver.Driver
	state   *driverState
	cfg     config // the backend's declared deviations
}

// driverState is shared by a harness and its copies for subtests.
type driverState struct {
	closed bool
}

func newHarness(t *testing.T, f Factory) *harness {
	t.Helper()
	h := &harness{t: t, factory: f, home: t.TempDir(), state: &driverState{}}
	h.open()
	t.Cleanup(h.close)
	return h
}

// sub returns a harness for subtest t on the same driver.
func (h *harness) sub(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// open calls the factory on the home; ErrNotSupported skips the test.
func (h *harness) open() {
	h.t.Helper()
	d, err := h.factory(h.home)
	if errors.Is(err, graphdriver.ErrNotSupported) {
		h.t.Skipf("backend not supported here: %v", err)
	}
	if err != nil {
		h.t.Fatalf("open backend at %s: %v", h.home, err)
	}
	h.d = d
	h.state.closed = false
}

func (h *harness) close() {
	if h.state.closed || h.d == nil {
		return
	}
	h.state.closed = true
	if err := h.d.Cleanup(); err != nil {
		h.t.Errorf("%s: Cleanup: %v", h.d, err)
	}
}

// reopen cleans the driver up and opens the same home again.
func (h *harness) reopen() {
	h.t.Helper()
	h.close()
	h.open()
}

func (h *harness) create(id, parent string) {
	h.t.Helper()
	if err := h.d.Create(id, parent, nil); err != nil {
		h.t.Fatalf("Create(%q, %q): %v", id, parent, err)
	}
}

func (h *harness) createRW(id, parent string) {
	h.t.Helper()
	if err := h.d.CreateReadWrite(id, parent, nil); err != nil {
		h.t.Fatalf("CreateReadWrite(%q, %q): %v", id, parent, err)
	}
}

func (h *harness) get(id string) string {
	h.t.Helper()
	dir, err := h.d.Get(id, "")
	if err != nil {
		h.t.Fatalf("Get(%q): %v", id, err)
	}
	return dir
}

func (h *harness) put(id string) {
	h.t.Helper()
	if err := h.d.Put(id); err != nil {
		h.t.Fatalf("Put(%q): %v", id, err)
	}
}

func (h *harness) remove(id string) {
	h.t.Helper()
	if err := h.d.Remove(id); err != nil {
		h.t.Fatalf("Remove(%q): %v", id, err)
	}
}

// write applies fixtures to read-write layer id through Get and Put.
func (h *harness) write(id string, appliers ...Applier) {
	h.t.Helper()
	dir := h.get(id)
	err := Apply(appliers...).Apply(dir)
	h.put(id)
	if err != nil {
		h.t.Fatalf("write into layer %s: %v", id, err)
	}
}

// tree snapshots the merged view of layer id.
func (h *harness) tree(id string) Tree {
	h.t.Helper()
	dir := h.get(id)
	defer h.put(id)
	return h.snapshot(dir)
}

func (h *harness) snapshot(dir string) Tree {
	h.t.Helper()
	tree, err := Snapshot(dir)
	if err != nil {
		h.t.Fatal(err)
	}
	return tree
}

// requireTree stops the test unless layer id's view equals want.
func (h *harness) requireTree(id string, want Tree, what string) {
	h.t.Helper()
	got := h.tree(id)
	if len(DiffTrees(want, got)) > 0 {
		h.t.Logf("layer %s (%s) is not as expected:", id, what)
		CheckTreesEqual(h.t, want, got)
		h.t.FailNow()
	}
}

// model applies fixtures to a plain directory and snapshots it: the tree
// a layer built from the same fixtures must show.
func (h *harness) model(appliers ...Applier) Tree {
	h.t.Helper()
	root := filepath.Join(h.t.TempDir(), "model")
	if err := os.Mkdir(root, 0o755); err != nil {
		h.t.Fatal(err)
	}
	// The umask must not decide the root's mode: a new layer's is 0755.
	if err := os.Chmod(root, 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := Apply(appliers...).Apply(root); err != nil {
		h.t.Fatalf("model: %v", err)
	}
	return h.snapshot(root)
}

// dumpOnFailure logs the trees of layers ids if the test fails.
func (h *harness) dumpOnFailure(ids ...string) {
	h.t.Cleanup(func() {
		if !h.t.Failed() || h.state.closed {
			return
		}
		for _, id := range ids {
			h.t.Logf("layer %s:\n%s", id, indent(h.dump(id)))
		}
	})
}

// dump is a layer's listing, or why there is none; it never fails.
func (h *harness) dump(id string) string {
	if !h.d.Exists(id) {
		return "(does not exist)"
	}
	dir, err := h.d.Get(id, "")
	if err != nil {
		return "(Get: " + err.Error() + ")"
	}
	defer h.d.Put(id)
	tree, err := Snapshot(dir)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return tree.String()
}

// homeListing lists every path under the home, for checking that a
// failed call left nothing behind.
func (h *harness) homeListing() []string {
	h.t.Helper()
	var paths []string
	err := filepath.WalkDir(h.home, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		h.t.Fatalf("list home: %v", err)
	}
	slices.Sort(paths)
	return paths
}
