package naive

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/drivertest"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
)

// crashFixture is a store with layer "ctr" (read-write, on "img") whose
// diff holds the old state, and a view of ctr written into but not yet
// put: the new state.
type crashFixture struct {
	home             string
	d                *Driver
	oldTree, newTree drivertest.Tree
	oldDiff          []byte
}

func newCrashFixture(t *testing.T) *crashFixture {
	t.Helper()
	f := &crashFixture{home: t.TempDir()}
	f.d = mustNew(t, f.home)
	ops.Must(t, f.d.Create("img", "", nil))
	ops.Must(t, f.d.CreateReadWrite("ctr", "img", nil))
	writeView(t, f.d, "ctr", map[string]string{"etc/a": "a\n", "etc/b": "b\n", "keep": "keep\n"}, nil)
	f.oldTree = viewTree(t, f.d, "ctr")
	f.oldDiff = layerDiff(t, f.d, "ctr")
	dir, err := f.d.Get("ctr", "")
	ops.Must(t, err)
	writeFiles(t, dir, map[string]string{"etc/a": "changed\n", "new/file": "new\n"})
	ops.Must(t, os.Remove(filepath.Join(dir, "etc", "b")))
	f.newTree = snapshot(t, dir)
	if len(drivertest.DiffTrees(f.oldTree, f.newTree)) == 0 {
		t.Fatal("fixture: the view did not change")
	}
	return f
}

// TestFoldCrashLosesNothing stops the fold of a Put at each step of its
// commit as a crash would (nothing cleaned up), reopens the store and
// checks that the layer shows either its old state, whole, or its new
// one, whole, and that no temporary sibling survives the reopen.
func TestFoldCrashLosesNothing(t *testing.T) {
	for _, tc := range []struct {
		step    string
		wantNew bool
	}{
		{step: "built", wantNew: false},
		{step: "swapped", wantNew: true},
	} {
		t.Run(tc.step, func(t *testing.T) {
			f := newCrashFixture(t)
			crashAt = func(step string) error {
				if step == tc.step {
					return errors.New("simulated crash")
				}
				return nil
			}
			err := f.d.Put("ctr")
			crashAt = nil
			ops.Must(t, f.d.Cleanup())
			if err == nil || !strings.Contains(err.Error(), "simulated crash") {
				t.Fatalf("Put with a crash at %s = %v, want the simulated crash", tc.step, err)
			}
			d := mustNew(t, f.home)
			want := f.oldTree
			if tc.wantNew {
				want = f.newTree
			}
			if diff := drivertest.DiffTrees(want, viewTree(t, d, "ctr")); len(diff) > 0 {
				t.Fatalf("after a crash at %s and a reopen, ctr differs from the %s state:\n%s",
					tc.step, map[bool]string{false: "old", true: "new"}[tc.wantNew], strings.Join(diff, "\n"))
			}
			if !tc.wantNew && string(layerDiff(t, d, "ctr")) != string(f.oldDiff) {
				t.Error("Diff of ctr changed although the fold never committed")
			}
			expectNoLeftovers(t, d, f.home)
		})
	}
}

// TestSwapFallbackCrash plants what a crash leaves in the middle of the
// swap used where RENAME_EXCHANGE is refused: the old diff set aside,
// diff/<id> missing, the new one complete or not. A reopen puts the old
// diff back.
func TestSwapFallbackCrash(t *testing.T) {
	f := newCrashFixture(t)
	ops.Must(t, f.d.Put("ctr")) // folds the new state; the old one is gone
	ops.Must(t, f.d.Cleanup())
	d := mustNew(t, f.home)
	before := viewTree(t, d, "ctr")
	ops.Must(t, d.Cleanup())
	diffs := filepath.Join(f.home, "diff")
	ops.Must(t, os.Rename(filepath.Join(diffs, "ctr"), filepath.Join(diffs, oldPrefix+"ctr")))
	ops.Must(t, os.MkdirAll(filepath.Join(diffs, foldPrefix+"ctr", "half"), 0o755))
	d = mustNew(t, f.home)
	if diff := drivertest.DiffTrees(before, viewTree(t, d, "ctr")); len(diff) > 0 {
		t.Fatalf("after a crash mid-swap and a reopen, ctr differs:\n%s", strings.Join(diff, "\n"))
	}
	expectNoLeftovers(t, d, f.home)
}

// TestExchange runs the atomic swap and the three-rename one used where
// the filesystem refuses RENAME_EXCHANGE.
func TestExchange(t *testing.T) {
	for name, swap := range map[string]func(a, b, aside string) error{"exchange": exchange, "renames": swapByRenames} {
		t.Run(name, func(t *testing.T) { testSwap(t, swap) })
	}
}

func testSwap(t *testing.T, swap func(a, b, aside string) error) {
	dir := t.TempDir()
	a, b, aside := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "aside")
	writeFiles(t, a, map[string]string{"x": "new"})
	writeFiles(t, b, map[string]string{"x": "old"})
	ops.Must(t, swap(a, b, aside))
	if _, err := os.Lstat(aside); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind (err %v)", aside, err)
	}
	for p, want := range map[string]string{a: "old", b: "new"} {
		if got, err := os.ReadFile(filepath.Join(p, "x")); err != nil || string(got) != want {
			t.Errorf("%s/x = %q, %v; want %q", p, got, err, want)
		}
	}
}

// expectNoLeftovers checks, once d is cleaned up, that no temporary
// sibling is left in home (kept farms are state, not leftovers).
func expectNoLeftovers(t *testing.T, d *Driver, home string) {
	t.Helper()
	ops.Must(t, d.Cleanup())
	for _, sub := range []string{"diff", "views"} {
		entries, err := os.ReadDir(filepath.Join(home, sub))
		ops.Must(t, err)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") && !strings.HasPrefix(e.Name(), ".farm-") { // kept farms are state
				t.Errorf("%s/%s survived the reopen", sub, e.Name())
			}
		}
	}
}

func mustNew(t *testing.T, home string) *Driver {
	t.Helper()
	d, err := New(home, nil, graphdriver.IDMap{})
	ops.Must(t, err)
	t.Cleanup(func() { _ = d.Cleanup() })
	return d
}

// writeView writes files into layer id through Get and Put, and removes
// the paths in remove.
func writeView(t *testing.T, d *Driver, id string, files map[string]string, remove []string) {
	t.Helper()
	dir, err := d.Get(id, "")
	ops.Must(t, err)
	writeFiles(t, dir, files)
	for _, p := range remove {
		ops.Must(t, os.RemoveAll(filepath.Join(dir, p)))
	}
	ops.Must(t, d.Put(id))
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, p)
		ops.Must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		ops.Must(t, os.WriteFile(full, []byte(content), 0o644))
	}
}

func snapshot(t *testing.T, dir string) drivertest.Tree {
	t.Helper()
	tree, err := drivertest.Snapshot(dir, drivertest.WithModTime())
	ops.Must(t, err)
	return tree
}

func viewTree(t *testing.T, d *Driver, id string) drivertest.Tree {
	t.Helper()
	dir, err := d.Get(id, "")
	ops.Must(t, err)
	defer func() { ops.Must(t, d.Put(id)) }()
	return snapshot(t, dir)
}

func layerDiff(t *testing.T, d *Driver, id string) []byte {
	t.Helper()
	rc, err := d.Diff(id, "")
	ops.Must(t, err)
	b, err := io.ReadAll(rc)
	ops.Must(t, errors.Join(err, rc.Close()))
	return b
}

// TestChildMadeDuringFoldStopsTheSwap makes a child of a layer while the
// layer's fold is building its new diff: the swap must refuse (the child
// was made on the old diff), and the layer and its child keep the old
// state.
func TestChildMadeDuringFoldStopsTheSwap(t *testing.T) {
	f := newCrashFixture(t)
	defer func() { crashAt = nil }()
	crashAt = func(step string) error {
		if step == "built" {
			return f.d.Create("late-child", "ctr", nil)
		}
		return nil
	}
	err := f.d.Put("ctr")
	crashAt = nil
	if !errors.Is(err, graphdriver.ErrHasChildren) {
		t.Fatalf("Put while a child was made = %v, want ErrHasChildren", err)
	}
	for _, id := range []string{"ctr", "late-child"} {
		if diff := drivertest.DiffTrees(f.oldTree, viewTree(t, f.d, id)); len(diff) > 1 || (len(diff) == 1 && !strings.HasPrefix(diff[0], ".: mtime")) {
			t.Errorf("%s after the refused swap differs from ctr's old state:\n%s", id, strings.Join(diff, "\n"))
		}
	}
	expectNoLeftovers(t, f.d, f.home)
}
