package drivertest

import (
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
)

// The cross-backend check holds backends to each other rather than to a
// model: "the same tree state gives byte-identical Diff output on every
// backend". Each scenario is played on every backend, each on a fresh
// home, and what the layers show and what the diff operations return
// must be the same everywhere. The first backend in name order is the
// reference ("want") each other one ("got") is compared with.

// crossScenarios lists the scenarios RunCross plays, in order.
var crossScenarios = []struct {
	name string
	run  func(c *cross)
}{
	{"tar-stack", crossTarStack},
	{"rw-stack", crossRWStack},
	{"diff-interchange", crossInterchange},
}

// RunCross checks that backends agree: each scenario is played on every
// backend (each on a fresh home), and the merged views and the Diff bytes
// must be identical across backends. A backend whose factory returns
// ErrNotSupported is skipped with its reason; with fewer than two left,
// the whole check skips saying why. Backends run in name order.
//
// The scenarios: tar-stack (three image layers made by ApplyDiff of tars
// built here), rw-stack (three read-write layers written through Get),
// diff-interchange (each backend's Diffs of both stacks applied on every
// other backend). For every layer the views with modification times (but
// the root's), Diff(id, "") byte for byte, Changes and DiffSize must
// agree. Parts that need root are left out with a logged reason.
func RunCross(t *testing.T, backends map[string]Factory) {
	if runtime.GOOS != "linux" {
		t.Skipf("drivertest: the cross-backend check runs on linux only, not %s", runtime.GOOS)
	}
	usable, unsupported := usableBackends(t, backends)
	if len(usable) < 2 {
		t.Skipf("drivertest: the cross-backend check needs two backends that work here, has %d (%s); not supported: %s",
			len(usable), backendNames(usable), orNone(unsupported))
	}
	for _, s := range crossScenarios {
		t.Run(s.name, func(t *testing.T) { s.run(newCross(t, usable)) })
	}
}

// crossBackend is one backend of the cross check.
type crossBackend struct {
	name    string
	factory Factory
}

// usableBackends opens each backend once on a scratch home, in name
// order, and returns those that work here and why the others do not.
func usableBackends(t *testing.T, backends map[string]Factory) ([]crossBackend, []string) {
	t.Helper()
	var usable []crossBackend
	var unsupported []string
	for _, name := range slices.Sorted(maps.Keys(backends)) {
		d, err := backends[name](t.TempDir())
		if errors.Is(err, graphdriver.ErrNotSupported) {
			t.Logf("backend %s skipped: not supported here: %v", name, err)
			unsupported = append(unsupported, fmt.Sprintf("%s (%v)", name, err))
			continue
		}
		if err != nil {
			t.Fatalf("open backend %s: %v", name, err)
		}
		if err := d.Cleanup(); err != nil {
			t.Errorf("backend %s: Cleanup after opening: %v", name, err)
		}
		usable = append(usable, crossBackend{name, backends[name]})
	}
	return usable, unsupported
}

func backendNames(bs []crossBackend) string {
	names := make([]string, len(bs))
	for i, b := range bs {
		names[i] = b.name
	}
	return orNone(names)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, "; ")
}

// side is one backend's driver in a scenario, on its own fresh home.
type side struct {
	name string
	*harness
}

// cross is one scenario played on every usable backend.
type cross struct {
	t     *testing.T
	sides []side
}

func newCross(t *testing.T, backends []crossBackend) *cross {
	c := &cross{t: t}
	for _, b := range backends {
		c.sides = append(c.sides, side{name: b.name, harness: newHarness(t, b.factory)})
	}
	return c
}

// each calls do for every side, in name order.
func (c *cross) each(do func(s side)) {
	for _, s := range c.sides {
		do(s)
	}
}

// userXattrsWork reports whether every backend's views take user.*
// xattrs; the fixtures hold them only then, so every backend gets the
// same layers.
func (c *cross) userXattrsWork() bool {
	ok := true
	c.each(func(s side) {
		if !s.userXattrsWork() {
			c.t.Logf("leaving out user.* xattrs: backend %s does not take them", s.name)
			ok = false
		}
	})
	return ok
}

// observation is what the checks compare of one layer.
type observation struct {
	view    Tree
	diff    []byte
	changes []graphdriver.Change
	size    int64
}

// observe reads layer id of s: its view with modification times (but the
// root's, which no layer tar carries), Diff, Changes and DiffSize
// against its parent.
func (s side) observe(id string) observation {
	s.t.Helper()
	return observation{
		view:    s.treeWithTimes(id),
		diff:    s.diffOf(id, ""),
		changes: s.changes(id, ""),
		size:    s.diffSize(id, ""),
	}
}

// agree checks got (what backend gotName shows) against want (what
// wantName shows), each difference reported naming both backends.
func (c *cross) agree(want, got observation, wantName, gotName, what string) {
	c.t.Helper()
	h := c.sides[0].harness
	pair := fmt.Sprintf("%s: %s (got) against %s (want)", what, gotName, wantName)
	h.expectTree(want.view, got.view, "view of "+pair)
	h.expectSameTar(want.diff, got.diff, "Diff of "+pair)
	h.expectChanges(got.changes, want.changes, "Changes of "+pair)
	if want.size != got.size {
		c.t.Errorf("DiffSize of %s: %d bytes on %s, %d on %s", pair, got.size, gotName, want.size, wantName)
	}
}

// compareLayer checks that layer id agrees on every backend with the
// reference backend's.
func (c *cross) compareLayer(id string) {
	c.t.Helper()
	ref := c.sides[0]
	want := ref.observe(id)
	for _, s := range c.sides[1:] {
		c.agree(want, s.observe(id), ref.name, s.name, "layer "+id)
	}
}

// dumpOnFailure logs the listings of layers ids on every backend if the
// test fails.
func (c *cross) dumpOnFailure(ids ...string) {
	c.each(func(s side) { s.dumpOnFailure(ids...) })
}

// dumpOnFailure logs the listings of layers ids of s, naming its
// backend, if the test fails.
func (s side) dumpOnFailure(ids ...string) {
	s.t.Cleanup(func() {
		if !s.t.Failed() || s.state.closed {
			return
		}
		for _, id := range ids {
			s.t.Logf("%s: layer %s:\n%s", s.name, id, indent(s.dump(id)))
		}
	})
}
