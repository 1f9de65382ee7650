package upperdiff

import (
	"path"
	"path/filepath"
	"slices"
	"strings"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/internal/fstree"
	"github.com/layerfs/graphdriver/layerdiff"
)

// upperWalk mirrors the full walker over the paths the upper dir holds.
type upperWalk struct {
	upper         string
	layer, parent string // roots of the two merged views
	format        Format
	// cmp judges a path both views hold, exactly as the full walk does.
	cmp *layerdiff.Comparer
	res layerdiff.Result
}

func (w *upperWalk) upperPath(rel string) string {
	return filepath.Join(w.upper, filepath.FromSlash(rel))
}

func (w *upperWalk) layerPath(rel string) string {
	return filepath.Join(w.layer, filepath.FromSlash(rel))
}

func (w *upperWalk) parentPath(rel string) string {
	return filepath.Join(w.parent, filepath.FromSlash(rel))
}

// dir handles directory rel, a directory in the upper dir and in both
// merged views, and reports whether it or anything below it changed.
// Below an opaque dir (hiding) the lower dirs are hidden too: every dir
// there is opaque.
func (w *upperWalk) dir(rel string, hiding bool) (changed bool, err error) {
	ud, nodes, err := w.list(rel)
	if err != nil {
		return false, err
	}
	opaque := ud.Opaque || hiding
	kept := map[string]bool{}
	for i, name := range ud.Entries {
		// A whiteout beside an entry of its name hides the lower layers
		// only: beside a directory, it makes that directory opaque.
		_, whitedOut := slices.BinarySearch(ud.Whiteouts, name)
		c, err := w.child(path.Join(rel, name), &nodes[i], opaque, whitedOut, kept)
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	var gone []string
	if opaque {
		gone, err = w.hidden(rel, kept)
	} else {
		gone, err = w.whitedOut(rel, ud)
	}
	if err != nil {
		return false, err
	}
	if len(gone) > 0 {
		return true, w.deletions(rel, len(kept), gone, opaque)
	}
	return changed, nil
}

// list reads directory rel of the upper dir through the format, and
// gives the upper node of each of its entries, in the same order.
func (w *upperWalk) list(rel string) (Dir, []fstree.Node, error) {
	dir := w.upperPath(rel)
	all, err := fstree.List(dir, false)
	if err != nil {
		return Dir{}, nil, err
	}
	names := make([]Name, len(all))
	for i := range all {
		names[i] = Name{Name: all[i].Name, Mode: all[i].Mode, Rdev: all[i].Rdev}
	}
	ud, err := w.format.ReadDir(dir, rel, names)
	if err != nil {
		return Dir{}, nil, err
	}
	nodes := make([]fstree.Node, len(ud.Entries))
	for i, name := range ud.Entries {
		j, ok := slices.BinarySearchFunc(all, name, func(n fstree.Node, name string) int { return strings.Compare(n.Name, name) })
		if !ok {
			return Dir{}, nil, ErrNotExact // the format named what is not there
		}
		nodes[i] = all[j]
	}
	return ud, nodes, nil
}

// child handles upper entry rel (un as lstat showed it in the upper
// dir): it adds its name to kept when the parent has it too. opaque:
// rel's directory is; whitedOut: a whiteout of rel's name is beside it.
func (w *upperWalk) child(rel string, un *fstree.Node, opaque, whitedOut bool, kept map[string]bool) (bool, error) {
	u, err := w.upperEntry(rel, un)
	if err != nil {
		return false, err
	}
	changed, inParent, err := w.entry(rel, u, opaque || (whitedOut && u.IsDir()))
	if inParent {
		kept[path.Base(rel)] = true
	}
	return changed, err
}

// whitedOut records a Delete for each parent entry of directory rel (not
// opaque) that one of its whiteouts deletes and no entry replaces, and
// returns their names.
func (w *upperWalk) whitedOut(rel string, ud Dir) ([]string, error) {
	var gone []string
	for _, name := range ud.Whiteouts {
		if _, replaced := slices.BinarySearch(ud.Entries, name); replaced {
			continue
		}
		p := path.Join(rel, name)
		n, ok, err := fstree.LstatIfThere(w.parentPath(p))
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // the whiteout hides nothing
		}
		if err := w.deleted(p, &n); err != nil {
			return nil, err
		}
		gone = append(gone, name)
	}
	return gone, nil
}

// upperEntry refuses an upper entry the walk cannot follow, and gives
// the layer's view of it.
func (w *upperWalk) upperEntry(rel string, un *fstree.Node) (fstree.Node, error) {
	if un.Linked() {
		return fstree.Node{}, ErrNotExact
	}
	if err := w.format.Check(w.upperPath(rel), un.IsDir()); err != nil {
		return fstree.Node{}, err
	}
	n, ok, err := fstree.LstatIfThere(w.layerPath(rel))
	if err == nil && !ok {
		err = ErrNotExact
	}
	return n, err
}

// entry handles an upper entry other than a whiteout: a path the parent
// has not (Add) or has (compared as the full walk compares).
func (w *upperWalk) entry(rel string, u fstree.Node, hiding bool) (changed, inParent bool, err error) {
	l, ok, err := fstree.LstatIfThere(w.parentPath(rel))
	if err != nil {
		return false, false, err
	}
	if !ok {
		return true, false, w.added(rel, &u)
	}
	changed, err = w.both(rel, &u, &l, hiding)
	return changed, true, err
}

// hidden records as deleted the parent's entries of the opaque dir rel
// that the upper dir did not make again, and returns their names.
func (w *upperWalk) hidden(rel string, kept map[string]bool) ([]string, error) {
	lower, err := fstree.List(w.parentPath(rel), false)
	if err != nil {
		return nil, err
	}
	var gone []string
	for i := range lower {
		if kept[lower[i].Name] {
			continue
		}
		if err := w.deleted(path.Join(rel, lower[i].Name), &lower[i]); err != nil {
			return nil, err
		}
		gone = append(gone, lower[i].Name)
	}
	return gone, nil
}

// deletions adds the whiteout entries of directory rel (rule 6): it
// needs the count of the parent's entries and of those kept.
func (w *upperWalk) deletions(rel string, kept int, gone []string, opaque bool) error {
	lower, err := fstree.CountNames(w.parentPath(rel))
	if err != nil {
		return err
	}
	common := lower - len(gone) // a name not whited out stays
	if opaque {
		common = kept
	}
	if lower > 0 && common == 0 {
		dir := rel
		if dir == "" {
			dir = "."
		}
		w.res.Entries = append(w.res.Entries, archive.Entry{Path: dir, Kind: archive.EntryOpaque})
		return nil
	}
	for _, name := range gone {
		w.res.Entries = append(w.res.Entries, archive.Entry{Path: path.Join(rel, name), Kind: archive.EntryWhiteout})
	}
	return nil
}

// deleted records a parent's path gone from the layer: one Delete. A
// hardlinked file in what goes could change another path's link group.
func (w *upperWalk) deleted(rel string, l *fstree.Node) error {
	w.res.Changes = append(w.res.Changes, graphdriver.Change{Path: "/" + rel, Kind: graphdriver.ChangeDelete})
	return w.noLinks(rel, l)
}

// noLinks returns ErrNotExact when the parent's n at rel is, or holds
// below it, a file with several links.
func (w *upperWalk) noLinks(rel string, n *fstree.Node) error {
	if n.Linked() {
		return ErrNotExact
	}
	if !n.IsDir() {
		return nil
	}
	nodes, err := fstree.List(w.parentPath(rel), false)
	if err != nil {
		return err
	}
	for i := range nodes {
		if err := w.noLinks(path.Join(rel, nodes[i].Name), &nodes[i]); err != nil {
			return err
		}
	}
	return nil
}

// added records a path only the layer has, and all below it in the
// layer's view.
func (w *upperWalk) added(rel string, u *fstree.Node) error {
	if u.Linked() {
		return ErrNotExact
	}
	if err := w.record(rel, u, graphdriver.ChangeAdd); err != nil || !u.IsDir() {
		return err
	}
	return w.addedBelow(rel)
}

// addedBelow records the entries of the layer's directory rel as Adds.
func (w *upperWalk) addedBelow(rel string) error {
	nodes, err := fstree.List(w.layerPath(rel), false)
	if err != nil {
		return err
	}
	for i := range nodes {
		if err := w.added(path.Join(rel, nodes[i].Name), &nodes[i]); err != nil {
			return err
		}
	}
	return nil
}

// both compares a path of both views as the full walk does.
func (w *upperWalk) both(rel string, u, l *fstree.Node, hiding bool) (bool, error) {
	if u.IsDir() && l.IsDir() {
		own, err := w.cmp.Differs(rel)
		if err != nil {
			return false, err
		}
		below, err := w.dir(rel, hiding)
		if err != nil || !(own || below) {
			return false, err
		}
		return true, w.record(rel, u, graphdriver.ChangeModify)
	}
	if u.Linked() || l.Linked() {
		return false, ErrNotExact
	}
	if u.Type() != l.Type() {
		if err := w.noLinks(rel, l); err != nil {
			return false, err
		}
		if err := w.record(rel, u, graphdriver.ChangeModify); err != nil || !u.IsDir() {
			return true, err
		}
		return true, w.addedBelow(rel) // a new dir's entries are Adds
	}
	diff, err := w.cmp.Differs(rel)
	if err != nil || !diff {
		return false, err
	}
	return true, w.record(rel, u, graphdriver.ChangeModify)
}

// record adds a change the tar carries.
func (w *upperWalk) record(rel string, n *fstree.Node, kind graphdriver.ChangeKind) error {
	e := archive.Entry{Path: rel, Kind: archive.EntryPath}
	if archive.CheckEntry(e) != nil {
		return ErrNotExact // the full walk reports it
	}
	w.res.Changes = append(w.res.Changes, graphdriver.Change{Path: "/" + rel, Kind: kind})
	w.res.Entries = append(w.res.Entries, e)
	if n.IsReg() {
		w.res.Size += n.Size
	}
	return nil
}
