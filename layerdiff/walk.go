package layerdiff

import (
	"path"
	"path/filepath"
	"slices"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/internal/fstree"
)

// walker makes the one pass over a layer tree and its parent tree that
// gives the change list, the tar plan and the diff size together. It holds
// the listings of the directories it is in (one per depth level, for each
// tree), the changes found and the hardlink bookkeeping; never the trees.
type walker struct {
	pathCompare // the roots, and the per-path comparison

	changes []graphdriver.Change
	entries []archive.Entry
	size    int64
	// counted holds the inodes with several links whose size is in size.
	counted map[fstree.FileID]bool
	// reserved is set for the first changed path a tar cannot carry.
	reserved error

	links linkBook
}

// pathCompare judges single paths of the two trees (rules 3 and 4).
type pathCompare struct {
	layer, parent string    // roots; parent "" is the empty tree
	xattr         []byte    // xattr buffer
	cmp           [2][]byte // content comparison buffers
}

// walk compares layer with parent ("" for the empty tree) and returns
// the sorted results.
func walk(layer, parent string) (*walker, error) {
	w := &walker{pathCompare: pathCompare{layer: layer, parent: parent}, counted: make(map[fstree.FileID]bool), links: newLinkBook()}
	if _, err := w.dir("", parent != ""); err != nil {
		return nil, err
	}
	if err := w.resolveLinks(); err != nil {
		return nil, err
	}
	w.sort()
	return w, nil
}

func (w *pathCompare) layerPath(rel string) string {
	return filepath.Join(w.layer, filepath.FromSlash(rel))
}

func (w *pathCompare) parentPath(rel string) string {
	return filepath.Join(w.parent, filepath.FromSlash(rel))
}

// dir compares directory rel of the layer with the same directory of the
// parent (both) or with nothing (all its entries are new), merge-joining
// the two sorted listings, and reports whether anything below rel changed.
func (w *walker) dir(rel string, both bool) (changed bool, err error) {
	upper, err := fstree.List(w.layerPath(rel), rel == "")
	if err != nil {
		return false, err
	}
	var lower []fstree.Node
	if both {
		if lower, err = fstree.List(w.parentPath(rel), rel == ""); err != nil {
			return false, err
		}
	}
	var gone []string
	common := 0
	for i, j := 0, 0; i < len(upper) || j < len(lower); {
		c := true
		switch {
		case j == len(lower) || (i < len(upper) && upper[i].Name < lower[j].Name):
			err = w.added(path.Join(rel, upper[i].Name), &upper[i])
			i++
		case i == len(upper) || lower[j].Name < upper[i].Name:
			w.deleted(path.Join(rel, lower[j].Name), &lower[j])
			gone = append(gone, lower[j].Name)
			j++
		default:
			c, err = w.both(path.Join(rel, upper[i].Name), &upper[i], &lower[j])
			common++
			i, j = i+1, j+1
		}
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	w.entries = append(w.entries, deletionEntries(rel, len(lower), common, gone)...)
	return changed, nil
}

// added records a path only the layer has, and everything below it.
func (w *walker) added(rel string, n *fstree.Node) error {
	w.record(rel, n, graphdriver.ChangeAdd)
	w.links.noteLayer(rel, n)
	if n.IsDir() {
		_, err := w.dir(rel, false)
		return err
	}
	return nil
}

// deleted records a path only the parent has: one Delete for the top of a
// removed subtree.
func (w *walker) deleted(rel string, n *fstree.Node) {
	w.changes = append(w.changes, graphdriver.Change{Path: "/" + rel, Kind: graphdriver.ChangeDelete})
	w.links.noteParent(rel, n)
	if n.IsDir() {
		w.links.unvisited = append(w.links.unvisited, rel)
	}
}

// both compares a path present in both trees and reports whether it, or
// anything below it, changed.
func (w *walker) both(rel string, u, l *fstree.Node) (bool, error) {
	if u.IsDir() && l.IsDir() {
		own, err := w.differs(rel, u, l)
		if err != nil {
			return false, err
		}
		below, err := w.dir(rel, true)
		if err != nil {
			return false, err
		}
		if own || below {
			w.record(rel, u, graphdriver.ChangeModify)
		}
		return own || below, nil
	}
	w.links.noteLayer(rel, u)
	w.links.noteParent(rel, l)
	if u.Type() != l.Type() {
		return true, w.replaced(rel, u, l)
	}
	diff, err := w.differs(rel, u, l)
	if err != nil || diff {
		if diff {
			w.record(rel, u, graphdriver.ChangeModify)
		}
		return diff, err
	}
	if u.Linked() || l.Linked() {
		// Equal so far; whether its hardlink group changed is known
		// once the whole layer has been walked.
		w.links.pending = append(w.links.pending, pending{rel: rel, upper: *u, lower: *l})
	}
	return false, nil
}

// replaced records a path whose type changed. A new directory's entries
// are all new; an old directory's entries go without a Delete each (the
// applier removes the directory with them).
func (w *walker) replaced(rel string, u, l *fstree.Node) error {
	w.record(rel, u, graphdriver.ChangeModify)
	if l.IsDir() {
		w.links.unvisited = append(w.links.unvisited, rel)
	}
	if u.IsDir() {
		_, err := w.dir(rel, false)
		return err
	}
	return nil
}

// differs reports whether a path of one type in both trees differs in
// its own metadata or, for a regular file, content (rules 3 and 4). The
// cheap checks go first.
func (w *pathCompare) differs(rel string, u, l *fstree.Node) (bool, error) {
	if fstree.StatDiffers(u, l) {
		return true, nil
	}
	up, lp := w.layerPath(rel), w.parentPath(rel)
	if u.Type() == fstree.TypeLink {
		same, err := sameLinkTarget(up, lp)
		if err != nil || !same {
			return !same, err
		}
	}
	ux, err := fstree.ReadXattrs(up, &w.xattr)
	if err != nil {
		return false, err
	}
	lx, err := fstree.ReadXattrs(lp, &w.xattr)
	if err != nil {
		return false, err
	}
	if !slices.Equal(ux, lx) {
		return true, nil
	}
	if !fstree.NeedsContent(u, l) {
		return false, nil
	}
	same, err := fstree.SameContent(up, lp, &w.cmp)
	return !same, err
}

func sameLinkTarget(a, b string) (bool, error) {
	ta, err := fstree.ReadLink(a)
	if err != nil {
		return false, err
	}
	tb, err := fstree.ReadLink(b)
	return ta == tb, err
}

// record adds a change of a path the tar carries. n is nil for a
// directory marked changed after the walk.
func (w *walker) record(rel string, n *fstree.Node, kind graphdriver.ChangeKind) {
	w.changes = append(w.changes, graphdriver.Change{Path: "/" + rel, Kind: kind})
	e := archive.Entry{Path: rel, Kind: archive.EntryPath}
	w.entries = append(w.entries, e)
	if w.reserved == nil {
		w.reserved = archive.CheckEntry(e)
	}
	if n == nil || !n.IsReg() {
		return
	}
	if n.Linked() {
		if w.counted[n.ID] {
			return
		}
		w.counted[n.ID] = true
	}
	w.size += n.Size
}
