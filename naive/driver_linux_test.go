package naive

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/drivertest"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
)

// TestPutOfUnfoldableViewIsRefused writes into the views of a read-only
// layer and of a read-write layer with a child: Put names the changed
// paths, the layer keeps its state, and the reference is gone all the
// same.
func TestPutOfUnfoldableViewIsRefused(t *testing.T) {
	d := mustNew(t, t.TempDir())
	ops.Must(t, d.CreateReadWrite("base", "", nil))
	writeView(t, d, "base", map[string]string{"kept": "base\n"}, nil)
	ops.Must(t, d.Create("img", "base", nil))
	ops.Must(t, d.CreateReadWrite("child", "base", nil))
	for _, tc := range []struct {
		id       string
		sentinel error
	}{{"img", nil}, {"base", graphdriver.ErrHasChildren}} {
		want := viewTree(t, d, tc.id)
		dir, err := d.Get(tc.id, "")
		ops.Must(t, err)
		writeFiles(t, dir, map[string]string{"sneaked-in": "x"})
		ops.Must(t, os.Remove(filepath.Join(dir, "kept")))
		err = d.Put(tc.id)
		if err == nil || !strings.Contains(err.Error(), "A /sneaked-in") || !strings.Contains(err.Error(), "D /kept") ||
			!strings.Contains(err.Error(), "naive: put "+tc.id) {
			t.Errorf("Put(%s) after writes = %v, want an error naming A /sneaked-in and D /kept", tc.id, err)
		}
		if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
			t.Errorf("Put(%s) = %v, want it to wrap %v", tc.id, err, tc.sentinel)
		}
		if err := d.Put(tc.id); !errors.Is(err, graphdriver.ErrNotMounted) {
			t.Errorf("second Put(%s) = %v, want ErrNotMounted", tc.id, err)
		}
		if diff := drivertest.DiffTrees(want, viewTree(t, d, tc.id)); len(diff) > 0 {
			t.Errorf("%s changed after a refused Put:\n%s", tc.id, strings.Join(diff, "\n"))
		}
	}
}

// TestPutWithoutChangesKeepsDiff checks that composing a view and
// folding it back unchanged gives the same diff: compose and fold are
// exact inverses on every kind of entry the suite's rich fixture holds.
func TestPutWithoutChangesKeepsDiff(t *testing.T) {
	d := mustNew(t, t.TempDir())
	ops.Must(t, d.CreateReadWrite("base", "", nil))
	writeView(t, d, "base", map[string]string{"etc/a": "a", "etc/b": "b", "usr/bin/x": "x"}, nil)
	ops.Must(t, d.CreateReadWrite("ctr", "base", nil))
	writeView(t, d, "ctr", map[string]string{"etc/a": "changed", "new": "n"}, []string{"usr/bin"})
	before := layerDiff(t, d, "ctr")
	dir, err := d.Get("ctr", "")
	ops.Must(t, err)
	ops.Must(t, d.Put("ctr"))
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the view %s survived its last Put (err %v)", dir, err)
	}
	if after := layerDiff(t, d, "ctr"); !bytes.Equal(before, after) {
		t.Error("Diff changed after a Get and Put without writes")
	}
}

// TestDiffWhileHeldSeesTheView checks that the diff operations of a layer
// whose view is held see what was written into the view, as they would
// on a mounting backend, and give the same bytes once it is folded.
func TestDiffWhileHeldSeesTheView(t *testing.T) {
	d := mustNew(t, t.TempDir())
	ops.Must(t, d.CreateReadWrite("ctr", "", nil))
	dir, err := d.Get("ctr", "")
	ops.Must(t, err)
	writeFiles(t, dir, map[string]string{"written": "held\n"})
	changes, err := d.Changes("ctr", "")
	ops.Must(t, err)
	if len(changes) != 1 || changes[0].String() != "A /written" {
		t.Errorf("Changes while held = %v, want [A /written]", changes)
	}
	held := layerDiff(t, d, "ctr")
	ops.Must(t, d.Put("ctr"))
	if !bytes.Equal(held, layerDiff(t, d, "ctr")) {
		t.Error("Diff while held and Diff after the fold differ")
	}
}

// TestPutOfReservedNameFails writes a name a layer tar cannot carry: the
// fold fails with ErrInvalidLayer naming it and the layer is unchanged.
func TestPutOfReservedNameFails(t *testing.T) {
	d := mustNew(t, t.TempDir())
	ops.Must(t, d.CreateReadWrite("ctr", "", nil))
	writeView(t, d, "ctr", map[string]string{"ok": "ok"}, nil)
	want := viewTree(t, d, "ctr")
	dir, err := d.Get("ctr", "")
	ops.Must(t, err)
	writeFiles(t, dir, map[string]string{".wh.sneaky": ""})
	err = d.Put("ctr")
	if !errors.Is(err, graphdriver.ErrInvalidLayer) || !strings.Contains(err.Error(), ".wh.sneaky") {
		t.Fatalf("Put with .wh.sneaky in the view = %v, want ErrInvalidLayer naming it", err)
	}
	if diff := drivertest.DiffTrees(want, viewTree(t, d, "ctr")); len(diff) > 0 {
		t.Errorf("ctr changed after a failed Put:\n%s", strings.Join(diff, "\n"))
	}
}

// TestCleanupFoldsHeldViews: Cleanup keeps what was written into a view
// still held, as an unmount keeps an overlay's upper dir.
func TestCleanupFoldsHeldViews(t *testing.T) {
	home := t.TempDir()
	d := mustNew(t, home)
	ops.Must(t, d.CreateReadWrite("ctr", "", nil))
	for range 2 {
		dir, err := d.Get("ctr", "")
		ops.Must(t, err)
		writeFiles(t, dir, map[string]string{"f": "kept\n"})
	}
	ops.Must(t, d.Cleanup())
	tree := viewTree(t, mustNew(t, home), "ctr")
	if _, err := os.Lstat(filepath.Join(home, "views", "ctr")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the view survived Cleanup (err %v)", err)
	}
	if e, ok := tree["f"]; !ok || e.Size != 5 {
		t.Fatalf("after Cleanup and a reopen, f = %+v, %v; want the 5 bytes written", e, ok)
	}
}

func TestOpenPurgesCrashLeftovers(t *testing.T) {
	home := t.TempDir()
	d := mustNew(t, home)
	ops.Must(t, d.Create("kept", "", nil))
	ops.Must(t, d.Create("child", "kept", nil))
	for _, p := range []string{"diff/.tmp-half/f", "diff/.removing-gone/sub/f", "diff/.fold-kept/f", "views/kept/f", "views/.fold-x-1/f", "views/.trash-7/f", "views/.farm-kept/f"} {
		writeFiles(t, home, map[string]string{p: "x"})
	}
	writeFiles(t, home, map[string]string{"meta/half.json": `{"parent":"kept"}`})
	d = mustNew(t, home)
	for _, p := range []string{"diff/.tmp-half", "diff/.removing-gone", "diff/.fold-kept", "views/kept", "views/.fold-x-1", "views/.trash-7", "views/.farm-kept", "meta/half.json"} {
		if _, err := os.Lstat(filepath.Join(home, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived reopen (err %v)", p, err)
		}
	}
	if !d.Exists("kept") || !d.Exists("child") || d.Exists("half") {
		t.Fatalf("after reopen: kept=%v child=%v half=%v, want true true false", d.Exists("kept"), d.Exists("child"), d.Exists("half"))
	}
	if err := d.Remove("kept"); !errors.Is(err, graphdriver.ErrHasChildren) {
		t.Fatalf("Remove(kept) after reopen = %v, want ErrHasChildren", err)
	}
}

func TestHomeIsPrivate(t *testing.T) {
	home := filepath.Join(t.TempDir(), "naive")
	mustNew(t, home)
	// CVE-2021-41091: others must not reach setuid binaries in layers.
	for p, want := range map[string]os.FileMode{home: 0o710, filepath.Join(home, "diff"): 0o710, filepath.Join(home, "views"): 0o700} {
		fi, err := os.Stat(p)
		ops.Must(t, err)
		if perm := fi.Mode().Perm(); perm != want {
			t.Errorf("%s mode %#o, want %#o", p, perm, want)
		}
	}
}

// TestKeptFarmFollowsItsLayer checks the life of a kept link farm: made
// by the first fold of a child, dropped when its layer is rewritten
// (after losing its children) and when its layer is removed; a fold
// after the rewrite diffs against the new state, not the stale farm.
func TestKeptFarmFollowsItsLayer(t *testing.T) {
	home := t.TempDir()
	farm := filepath.Join(home, "views", ".farm-base")
	d := mustNew(t, home)
	ops.Must(t, d.CreateReadWrite("base", "", nil))
	writeView(t, d, "base", map[string]string{"old": "old\n"}, nil)
	ops.Must(t, d.CreateReadWrite("c1", "base", nil))
	writeView(t, d, "c1", map[string]string{"c1": "c1\n"}, nil)
	if _, err := os.Lstat(farm); err != nil {
		t.Fatalf("no kept farm of base after the fold of its child: %v", err)
	}
	ops.Must(t, d.Remove("c1"))
	writeView(t, d, "base", map[string]string{"new": "new\n"}, []string{"old"})
	if _, err := os.Lstat(farm); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("base's farm survived the rewrite of base (err %v)", err)
	}
	ops.Must(t, d.CreateReadWrite("c2", "base", nil))
	writeView(t, d, "c2", map[string]string{"c2": "c2\n"}, nil)
	changes, err := d.Changes("c2", "")
	ops.Must(t, err)
	if len(changes) != 1 || changes[0].String() != "A /c2" {
		t.Errorf("Changes(c2) = %v, want [A /c2] (a stale farm of base would add /new, delete /old)", changes)
	}
	if entries, _, err := storedEntries(filepath.Join(home, "diff", "c2")); err != nil || len(entries) != 1 || entries[0].Path != "c2" {
		t.Errorf("stored diff of c2 = %v, %v; want just c2", entries, err)
	}
	ops.Must(t, d.Remove("c2"))
	ops.Must(t, d.Remove("base"))
	if _, err := os.Lstat(farm); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("base's farm survived the removal of base (err %v)", err)
	}
}
