package drivertest

import (
	"fmt"
	"strconv"
	"testing"
)

// maxOverlayLowers is the deepest stack kernel overlayfs mounts (500
// lower layers; 501 fails), which a backend on overlayfs must reach.
const maxOverlayLowers = 500

// checkChain returns a check building n read-write layers, each a child
// of the previous one that adds its own file layerN and overwrites the
// shared file top with N.
func checkChain(n int) func(h *harness) {
	return func(h *harness) {
		steps := make([]Applier, 0, n)
		parent := ""
		for i := range n {
			id := fmt.Sprintf("chain%d", i)
			step := Apply(
				CreateFile(fmt.Sprintf("layer%d", i), []byte(id+"\n"), 0o644),
				CreateFile("top", []byte(strconv.Itoa(i)), 0o644),
			)
			h.chainLayer(id, parent, step, n)
			steps = append(steps, step)
			parent = id
		}
		h.dumpOnFailure(parent)
		dir := h.get(parent)
		if got, want := readView(h.t, parent, dir, "top"), strconv.Itoa(n-1); got != want {
			h.t.Errorf("top of a %d-layer chain reads %q, want %q (the topmost layer's)", n, got, want)
		}
		h.put(parent)
		h.requireTree(parent, h.model(steps...), fmt.Sprintf("top of a %d-layer chain", n))
		h.requireTree("chain0", h.model(steps[0]), fmt.Sprintf("bottom of a %d-layer chain", n))
	}
}

// chainLayer makes and fills one layer of a chain of n. ErrNotSupported
// from a backend with a shallower stack limit skips the check.
func (h *harness) chainLayer(id, parent string, step Applier, n int) {
	h.t.Helper()
	what := fmt.Sprintf("%s: %d-layer chain, at layer %s", h.d, n, id)
	err := h.d.CreateReadWrite(id, parent, nil)
	skipIfNotSupported(h.t, err, what)
	if err != nil {
		h.t.Fatalf("%s: CreateReadWrite: %v", what, err)
	}
	dir, err := h.d.Get(id, "")
	skipIfNotSupported(h.t, err, what)
	if err != nil {
		h.t.Fatalf("%s: Get: %v", what, err)
	}
	err = step.Apply(dir)
	h.put(id)
	if err != nil {
		h.t.Fatalf("%s: %v", what, err)
	}
}

func checkLongChain(h *harness) {
	if testing.Short() {
		h.t.Skipf("%d-layer chain (the kernel overlayfs limit) is slow: skipped in -short mode", maxOverlayLowers)
	}
	checkChain(maxOverlayLowers)(h)
}
