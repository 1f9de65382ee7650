package drivertest

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/layerfs/graphdriver"
)

// Times the diff checks give their fixtures, so that every mtime in a
// diff is known in advance: base layers' entries, what a child writes,
// and the directories a child changes (set last, after every write into
// them).
var (
	baseTime  = time.Unix(1600000000, 111111111)
	childTime = time.Unix(1700000000, 222222222)
	dirTime   = time.Unix(1700000100, 333333333)
	laterTime = time.Unix(1800000000, 555555555)
)

// touch sets the access and modification times of names to mtime.
func touch(mtime time.Time, names ...string) Applier {
	steps := make([]Applier, len(names))
	for i, name := range names {
		steps[i] = Chtimes(name, mtime, mtime)
	}
	return Apply(steps...)
}

// layer makes read-write layer id on parent and writes appliers into it.
func (h *harness) layer(id, parent string, appliers ...Applier) {
	h.t.Helper()
	h.createRW(id, parent)
	h.write(id, appliers...)
}

// roundTrip applies Diff(id) to a new image layer copyID on parent: its
// view equals id's, times included, and its Diff is byte-identical.
func (h *harness) roundTrip(id, parent, copyID string) {
	h.t.Helper()
	h.dumpOnFailure(copyID)
	first := h.diffOf(id, "")
	h.imageLayer(copyID, parent, first)
	h.expectSameView(id, copyID, true)
	h.expectSameTar(first, h.diffOf(copyID, ""), "Diff("+copyID+") against Diff("+id+") it was applied from")
}

// diffOf reads Diff(id, parent) to the end.
func (h *harness) diffOf(id, parent string) []byte {
	h.t.Helper()
	rc, err := h.d.Diff(id, parent)
	h.requireDiffOp(fmt.Sprintf("Diff(%q, %q)", id, parent), err)
	b, err := io.ReadAll(rc)
	if closeErr := rc.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		h.t.Fatalf("read Diff(%q, %q): %v", id, parent, err)
	}
	return b
}

func (h *harness) changes(id, parent string) []graphdriver.Change {
	h.t.Helper()
	changes, err := h.d.Changes(id, parent)
	h.requireDiffOp(fmt.Sprintf("Changes(%q, %q)", id, parent), err)
	return changes
}

func (h *harness) diffSize(id, parent string) int64 {
	h.t.Helper()
	size, err := h.d.DiffSize(id, parent)
	h.requireDiffOp(fmt.Sprintf("DiffSize(%q, %q)", id, parent), err)
	return size
}

// applyDiff calls ApplyDiff and checks the size it returns: the bytes of
// regular file content in the tar.
func (h *harness) applyDiff(id, parent string, layerTar []byte) {
	h.t.Helper()
	size, err := h.d.ApplyDiff(id, parent, bytes.NewReader(layerTar))
	h.requireDiffOp(fmt.Sprintf("ApplyDiff(%q, %q)", id, parent), err)
	if want := h.contentBytes(layerTar); size != want {
		h.t.Errorf("ApplyDiff(%q, %q) = %d bytes, want %d (the regular file content in the tar)",
			id, parent, size, want)
	}
}

// imageLayer makes an image layer: Create, then ApplyDiff of layerTar.
func (h *harness) imageLayer(id, parent string, layerTar []byte) {
	h.t.Helper()
	h.create(id, parent)
	h.applyDiff(id, parent, layerTar)
}

// contentBytes sums the sizes of the regular files of a tar.
func (h *harness) contentBytes(layerTar []byte) int64 {
	h.t.Helper()
	var sum int64
	for _, e := range h.listTar(layerTar, "a layer tar").entries {
		if e.Type == "file" {
			sum += e.Size
		}
	}
	return sum
}

func (h *harness) listTar(layerTar []byte, what string) tarListing {
	h.t.Helper()
	l, err := readTar(layerTar)
	if err != nil {
		h.t.Fatalf("read %s: %v", what, err)
	}
	return l
}

// expectTar checks that layerTar holds exactly the entries of want, in
// order, and then that it is byte-identical to want written with
// archive/tar: the canonical form leaves no choice in the encoding.
func (h *harness) expectTar(layerTar []byte, want []tarItem, what string) bool {
	h.t.Helper()
	got := h.listTar(layerTar, what).entries
	wantEntries := entriesOf(want)
	if !slices.Equal(wantEntries, got) {
		h.t.Errorf("%s: tar entries differ (-want, +got, the rest in both):\n%s", what,
			lineDiff(entryStrings(wantEntries), entryStrings(got)))
		return false
	}
	return h.expectSameTar(buildTar(h.t, want...), layerTar, what+", against the expected entries written in canonical form")
}

// expectSameTar checks that got is byte-identical to want and otherwise
// says where they first differ, with both entry lists.
func (h *harness) expectSameTar(want, got []byte, what string) bool {
	h.t.Helper()
	if bytes.Equal(want, got) {
		return true
	}
	off := 0
	for off < len(want) && off < len(got) && want[off] == got[off] {
		off++
	}
	wantList, gotList := h.listTar(want, "wanted tar"), h.listTar(got, what)
	h.t.Errorf("%s: not byte-identical (%d and %d bytes): first difference at byte %d, in %s of the wanted tar"+
		"\nentries (-want, +got, the rest in both):\n%s",
		what, len(want), len(got), off, wantList.entryAt(int64(off)),
		lineDiff(entryStrings(wantList.entries), entryStrings(gotList.entries)))
	return false
}

// changeList parses changes written as Docker prints them: "A /x",
// "C /etc", "D /old".
func changeList(lines ...string) []graphdriver.Change {
	kinds := map[string]graphdriver.ChangeKind{
		"C": graphdriver.ChangeModify, "A": graphdriver.ChangeAdd, "D": graphdriver.ChangeDelete,
	}
	out := make([]graphdriver.Change, len(lines))
	for i, line := range lines {
		kind, p, ok := strings.Cut(line, " ")
		k, known := kinds[kind]
		if !ok || !known {
			panic(fmt.Sprintf("drivertest: bad change %q (want \"A /path\")", line))
		}
		out[i] = graphdriver.Change{Path: p, Kind: k}
	}
	return out
}

// expectChanges checks a change list against want, exactly and in order.
func (h *harness) expectChanges(got, want []graphdriver.Change, what string) bool {
	h.t.Helper()
	if slices.Equal(got, want) {
		return true
	}
	h.t.Errorf("%s: changes differ (-want, +got, the rest in both):\n%s", what, lineDiff(changeLines(want), changeLines(got)))
	return false
}

func changeLines(changes []graphdriver.Change) []string {
	lines := make([]string, len(changes))
	for i, c := range changes {
		lines[i] = c.String()
	}
	if len(lines) == 0 {
		return []string{"(no changes)"}
	}
	return lines
}

// treeWithTimes snapshots layer id's view with modification times,
// except the root's: no layer tar carries the root.
func (h *harness) treeWithTimes(id string) Tree {
	h.t.Helper()
	dir := h.get(id)
	defer h.put(id)
	tree, err := Snapshot(dir, WithModTime())
	if err != nil {
		h.t.Fatal(err)
	}
	return withoutRootTime(tree)
}

func withoutRootTime(tree Tree) Tree {
	if root, ok := tree["."]; ok {
		root.ModTime = time.Time{}
		tree["."] = root
	}
	return tree
}

// expectSameView checks that layers wantID and gotID show equal trees,
// with modification times (but the root's) when withTimes is set.
func (h *harness) expectSameView(wantID, gotID string, withTimes bool) bool {
	h.t.Helper()
	snap := h.tree
	if withTimes {
		snap = h.treeWithTimes
	}
	return h.expectTree(snap(wantID), snap(gotID), fmt.Sprintf("layer %s (got) against layer %s (want)", gotID, wantID))
}

// expectTree checks got against want, saying what was compared.
func (h *harness) expectTree(want, got Tree, what string) bool {
	h.t.Helper()
	if len(DiffTrees(want, got)) == 0 {
		return true
	}
	h.t.Logf("%s: trees differ", what)
	return CheckTreesEqual(h.t, want, got)
}
