package drivertest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// modelSeeds are the seeds random-model runs, fixed so that a failure
// replays: each seeds a PCG (seed, seed) stream that draws every
// operation. -short runs the first only.
var modelSeeds = []uint64{1, 2, 3, 20240611, 0xdecafbad}

// modelLayers is the length of the chain of read-write layers each seed
// builds.
const modelLayers = 4

// checkRandomModel builds, for each seed, a chain of read-write layers
// with random operations, applying the same operations to a plain
// directory (the model). After each layer the layer's view equals the
// model, times included (each layer ends by setting the times of all it
// touched); Diff applied to a new layer gives the same view and the same
// bytes; Changes lists what differs between the model before and after
// the layer, by the canonical rules. At the end every layer of the chain
// still shows its own model tree.
func checkRandomModel(h *harness) {
	h.requireDiffSupport()
	xattrs := h.userXattrsWork() && modelXattrsWork(h.t)
	seeds := modelSeeds
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		h.t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			t.Logf("seed %d (rand.NewPCG(%d, %d)), user.* xattrs: %v", seed, seed, seed, xattrs)
			sh := newHarness(t, h.factory)
			sh.cfg = h.cfg
			runModelSeed(sh, seed, xattrs)
		})
	}
}

// requireDiffSupport skips with the backend's reason unless Diff,
// ApplyDiff and Changes all work.
func (h *harness) requireDiffSupport() {
	h.t.Helper()
	h.layer("diff-probe", "", CreateFile("f", []byte("f\n"), 0o644))
	layerTar := h.diffOf("diff-probe", "")
	h.changes("diff-probe", "")
	h.imageLayer("diff-probe-copy", "", layerTar)
}

// modelXattrsWork reports whether the filesystem holding the model
// directories takes user.* xattrs.
func modelXattrsWork(t *testing.T) bool {
	if err := probe(t.TempDir(), userXattrProbe); err != nil {
		t.Logf("leaving out user.* xattrs: the model's filesystem refuses them: %v", err)
		return false
	}
	return true
}

// modelRun is one seed's run: the random stream, the model directory and
// the operations so far, which a failure prints.
type modelRun struct {
	h      *harness
	rnd    *rand.Rand
	dir    string
	xattrs bool
	log    []string
	names  []string // basenames made so far, for reusing names
	next   int
	// lossy is what the backend's declared deviations keep the
	// generator from copying up in the current layer.
	lossy lossyLower
}

func runModelSeed(h *harness, seed uint64, xattrs bool) {
	m := &modelRun{h: h, rnd: rand.New(rand.NewPCG(seed, seed)), xattrs: xattrs}
	m.dir = m.newModelDir()
	h.t.Cleanup(func() {
		if h.t.Failed() {
			h.t.Logf("seed %d failed; operations, by layer and index:\n%s", seed, indent(strings.Join(m.log, "\n")))
		}
	})
	var trees []Tree
	prev, parent := m.snapshot(), ""
	for i := range modelLayers {
		id := fmt.Sprintf("L%d", i)
		h.dumpOnFailure(id)
		h.createRW(id, parent)
		m.applyToLayer(id, m.genLayer(i))
		want := m.snapshot()
		if !h.expectTree(want, h.treeWithTimes(id), fmt.Sprintf("layer %s (got) against the model (want)", id)) {
			h.t.FailNow()
		}
		h.roundTrip(id, parent, id+"-copy")
		h.expectChanges(h.changes(id, ""), expectedChanges(prev, want), fmt.Sprintf("Changes(%q, \"\")", id))
		trees = append(trees, want)
		prev, parent = want, id
	}
	for i, want := range trees {
		id := fmt.Sprintf("L%d", i)
		h.expectTree(want, h.treeWithTimes(id), fmt.Sprintf("layer %s at the end of the chain against its model", id))
	}
}

// newModelDir makes the model's root: mode 0755 whatever the umask, as a
// new layer's root.
func (m *modelRun) newModelDir() string {
	root := filepath.Join(m.h.t.TempDir(), "model")
	if err := os.Mkdir(root, 0o755); err != nil {
		m.h.t.Fatal(err)
	}
	if err := os.Chmod(root, 0o755); err != nil {
		m.h.t.Fatal(err)
	}
	return root
}

// snapshot records the model with times, but the root's.
func (m *modelRun) snapshot() Tree {
	m.h.t.Helper()
	tree, err := Snapshot(m.dir, WithModTime())
	if err != nil {
		m.h.t.Fatal(err)
	}
	return withoutRootTime(tree)
}

// applyToLayer applies ops to layer id's view, one by one, so that an
// error names the operation.
func (m *modelRun) applyToLayer(id string, ops []modelOp) {
	m.h.t.Helper()
	dir := m.h.get(id)
	var err error
	for i, op := range ops {
		if err = op.apply.Apply(dir); err != nil {
			err = fmt.Errorf("operation %d (%s): %w", i, op.desc, err)
			break
		}
	}
	m.h.put(id)
	if err != nil {
		m.h.t.Fatalf("layer %s: %v (the same operation worked on the model)", id, err)
	}
}

// genLayer draws 20 to 40 operations against the model, applying each to
// it as it goes, and ends with setting the times of what they touched.
func (m *modelRun) genLayer(layer int) []modelOp {
	m.h.t.Helper()
	// File timestamps come from a coarse clock that may lag time.Now.
	start := time.Now().Add(-time.Minute)
	m.noteLossy()
	n := 20 + m.rnd.IntN(21)
	var ops []modelOp
	for len(ops) < n {
		op, ok := m.draw(m.view())
		if !ok {
			continue
		}
		m.record(layer, len(ops), op)
		m.noteParents(op)
		ops = append(ops, op)
	}
	for _, op := range m.touchOps(start, layerTime(layer)) {
		m.record(layer, len(ops), op)
		ops = append(ops, op)
	}
	return ops
}

// record applies op to the model and logs it; the model must take it,
// as the generator only draws valid operations.
func (m *modelRun) record(layer, index int, op modelOp) {
	m.h.t.Helper()
	m.log = append(m.log, fmt.Sprintf("L%d.%02d %s", layer, index, op.desc))
	if err := op.apply.Apply(m.dir); err != nil {
		m.h.t.Fatalf("generator bug: the model refuses L%d.%02d %s: %v", layer, index, op.desc, err)
	}
}

// layerTime is the mtime a layer gives what it touched: distinct per
// layer and never a whole second.
func layerTime(layer int) time.Time {
	return time.Unix(int64(1700000000+1000*layer), int64(123456789+layer))
}

// touchOps sets mtime on every entry of the model the layer's
// operations gave the current time (no generated time is later than
// 2024), and on a backend with lossy copy-up on every directory above
// what they worked on, deepest first, so that no later step changes a time already
// set. Found in the model rather than by tracking operations, as an
// inode written through one hardlink shows the time under all of them.
func (m *modelRun) touchOps(start, mtime time.Time) []modelOp {
	var paths []string
	for p, e := range m.snapshot() {
		if p != "." && (!e.ModTime.Before(start) || m.lossy.parents[p]) {
			paths = append(paths, p)
		}
	}
	sortDeepestFirst(paths)
	ops := make([]modelOp, len(paths))
	for i, p := range paths {
		ops[i] = modelOp{desc: fmt.Sprintf("chtimes %s %s (end of layer)", p, timeString(mtime)),
			apply: Chtimes(p, mtime, mtime)}
	}
	return ops
}
