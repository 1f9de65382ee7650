package overlay2

// Native diff: Changes, Diff and DiffSize of a layer against its own
// parent walk only the layer's upper (diff) dir. Overlay copies a path up
// (and every directory above it) before changing it, records a deletion
// as a char 0/0 whiteout and a directory made again as an opaque one, so
// a path the upper dir does not hold is, in the layer's merged view, the
// parent's: naive's rules give it no change. Every path the upper dir
// holds is compared exactly as naive compares it (lstat of both merged
// views, xattrs, link targets, content), so the result, and the tar
// written from the merged view, are byte-identical to naive's.
//
// The walk gives up (errNotNative) and the call falls back to naive.Differ
// when that equivalence is not certain: a hardlinked file anywhere in
// what the layer touches (upper, or the parent's paths it modifies,
// deletes or hides; rule 3's hardlink groups could change for paths the
// upper does not hold), an overlay xattr other than opaque=y, origin,
// impure or uuid (redirect, metacopy, xattr whiteouts: a store made
// elsewhere), a changed name a tar cannot carry (naive gives the error),
// or any error.

import (
	"errors"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/internal/layers"
	xattrs "github.com/layerfs/graphdriver/internal/xattr"
	"github.com/layerfs/graphdriver/naive"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// errNotNative makes a call fall back to the naive diff.
var errNotNative = errors.New("overlay2: native diff not exact here")

// nativeResult is what naive's walk gives, found by the native one.
type nativeResult struct {
	changes []graphdriver.Change
	entries []archive.Entry
	size    int64
}

// nativeChanges, nativeDiff and nativeSize return errNotNative when the
// caller must use the naive Differ instead.
func (d *Driver) nativeChanges(id, parent string) ([]graphdriver.Change, error) {
	res, _, release, err := d.nativeRun("changes", id, parent)
	if err != nil {
		return nil, err
	}
	return res.changes, release()
}

func (d *Driver) nativeDiff(id, parent string) (io.ReadCloser, error) {
	res, layerDir, release, err := d.nativeRun("diff", id, parent)
	if err != nil {
		return nil, err
	}
	rc := archive.NewReader(layerDir, res.entries, &archive.WriteOptions{IDMap: d.idMap})
	return layers.ReleaseOnClose(rc, release), nil
}

func (d *Driver) nativeSize(id, parent string) (int64, error) {
	res, _, release, err := d.nativeRun("diff size", id, parent)
	if err != nil {
		return 0, err
	}
	return res.size, release()
}

// nativeRun walks id's upper dir against the merged views of id and of
// its parent, held until release. It applies only to a layer with a
// parent, diffed against that parent.
func (d *Driver) nativeRun(op, id, parent string) (*nativeResult, string, func() error, error) {
	if d.probe.notExact != "" {
		return nil, "", nil, errNotNative
	}
	l, err := d.table.Lookup(op, id)
	if err != nil || l.Parent == "" || (parent != "" && parent != l.Parent) {
		return nil, "", nil, errNotNative
	}
	layerDir, parentDir, release, err := d.holdPair(op, id, "")
	if err != nil {
		return nil, "", nil, errNotNative // naive gives the error
	}
	w := &nativeWalk{upper: d.diffDir(id), layer: layerDir, parent: parentDir,
		opaqueKey: d.whiteoutFormat().OpaqueXattr(), cmp: naive.NewComparer(layerDir, parentDir)}
	if _, err := w.dir("", false); err != nil {
		return nil, "", nil, errors.Join(errNotNative, release())
	}
	slices.SortFunc(w.changes, func(a, b graphdriver.Change) int { return strings.Compare(a.Path, b.Path) })
	archive.SortEntries(w.entries)
	return &w.nativeResult, layerDir, release, nil
}

// nativeWalk mirrors naive's walker over the paths the upper dir holds.
type nativeWalk struct {
	upper, layer, parent string
	opaqueKey            string // the xattr that makes an upper dir opaque
	nativeResult
	xbuf []byte
	// cmp judges a path both views hold, exactly as the naive walk does.
	cmp *naive.Comparer
}

func (w *nativeWalk) path(root, rel string) string {
	return filepath.Join(root, filepath.FromSlash(rel))
}

// dir handles directory rel, a directory in the upper dir and in both
// merged views, and reports whether it or anything below it changed.
// Below an opaque dir (hiding) the lower dirs are hidden too: every dir
// there is opaque.
func (w *nativeWalk) dir(rel string, hiding bool) (changed bool, err error) {
	names, err := readNames(w.path(w.upper, rel))
	if err != nil {
		return false, err
	}
	opaque, err := w.checkUpper(w.path(w.upper, rel), true)
	if err != nil {
		return false, err
	}
	opaque = opaque || hiding
	var gone []string
	kept := map[string]bool{}
	for _, name := range names {
		c, err := w.child(rel, name, opaque, kept, &gone)
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	if opaque {
		if gone, err = w.hidden(rel, kept); err != nil {
			return false, err
		}
	}
	if len(gone) > 0 {
		return true, w.deletions(rel, len(kept), gone, opaque)
	}
	return changed, nil
}

// child handles upper entry name of directory rel: it adds the name to
// kept when the parent has it too, to gone when it whites out one of
// the parent's entries (not in an opaque dir: hidden handles those).
func (w *nativeWalk) child(rel, name string, opaque bool, kept map[string]bool, gone *[]string) (bool, error) {
	p := path.Join(rel, name)
	u, isWhiteout, err := w.upperEntry(p)
	if err != nil || (isWhiteout && opaque) {
		return false, err
	}
	if isWhiteout {
		del, err := w.whitedOut(p)
		if del {
			*gone = append(*gone, name)
		}
		return false, err
	}
	changed, inParent, err := w.entry(p, u, opaque)
	if inParent {
		kept[name] = true
	}
	return changed, err
}

// whitedOut handles a whiteout of rel: a Delete when the parent has rel.
func (w *nativeWalk) whitedOut(rel string) (bool, error) {
	l, ok, err := lstatNode(w.path(w.parent, rel))
	if err != nil || !ok {
		return false, err
	}
	return true, w.deleted(rel, &l)
}

// upperEntry lstats an upper entry, refuses what the native walk cannot
// follow, and gives the layer's view of it unless it is a whiteout.
func (w *nativeWalk) upperEntry(rel string) (node, bool, error) {
	up := w.path(w.upper, rel)
	un, ok, err := lstatNode(up)
	if err != nil || !ok {
		return node{}, false, errors.Join(err, errNotNative)
	}
	if un.typ() == unix.S_IFCHR && un.rdev == 0 {
		return node{}, true, nil // overlay may hardlink whiteouts together
	}
	if un.linked() {
		return node{}, false, errNotNative
	}
	if _, err := w.checkUpper(up, un.isDir()); err != nil {
		return node{}, false, err
	}
	n, ok, err := lstatNode(w.path(w.layer, rel))
	if err == nil && !ok {
		err = errNotNative
	}
	return n, false, err
}

// entry handles an upper entry other than a whiteout: a path the parent
// has not (Add) or has (compared as naive compares).
func (w *nativeWalk) entry(rel string, u node, hiding bool) (changed, inParent bool, err error) {
	l, ok, err := lstatNode(w.path(w.parent, rel))
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
func (w *nativeWalk) hidden(rel string, kept map[string]bool) ([]string, error) {
	lower, err := listNodes(w.path(w.parent, rel))
	if err != nil {
		return nil, err
	}
	var gone []string
	for i := range lower {
		if kept[lower[i].name] {
			continue
		}
		if err := w.deleted(path.Join(rel, lower[i].name), &lower[i]); err != nil {
			return nil, err
		}
		gone = append(gone, lower[i].name)
	}
	return gone, nil
}

// deletions adds the whiteout entries of directory rel (naive's rule 6):
// it needs the count of the parent's entries and of those kept.
func (w *nativeWalk) deletions(rel string, kept int, gone []string, opaque bool) error {
	lower, err := readNames(w.path(w.parent, rel))
	if err != nil {
		return err
	}
	common := len(lower) - len(gone) // a name not whited out stays
	if opaque {
		common = kept
	}
	if len(lower) > 0 && common == 0 {
		dir := rel
		if dir == "" {
			dir = "."
		}
		w.entries = append(w.entries, archive.Entry{Path: dir, Kind: archive.EntryOpaque})
		return nil
	}
	for _, name := range gone {
		w.entries = append(w.entries, archive.Entry{Path: path.Join(rel, name), Kind: archive.EntryWhiteout})
	}
	return nil
}

// deleted records a parent's path gone from the layer: one Delete. A
// hardlinked file in what goes could change another path's link group.
func (w *nativeWalk) deleted(rel string, l *node) error {
	w.changes = append(w.changes, graphdriver.Change{Path: "/" + rel, Kind: graphdriver.ChangeDelete})
	return w.noLinks(rel, l)
}

// noLinks returns errNotNative when the parent's n at rel is, or holds
// below it, a file with several links.
func (w *nativeWalk) noLinks(rel string, n *node) error {
	if n.linked() {
		return errNotNative
	}
	if !n.isDir() {
		return nil
	}
	nodes, err := listNodes(w.path(w.parent, rel))
	if err != nil {
		return err
	}
	for i := range nodes {
		if err := w.noLinks(path.Join(rel, nodes[i].name), &nodes[i]); err != nil {
			return err
		}
	}
	return nil
}

// added records a path only the layer has, and all below it in the
// layer's view.
func (w *nativeWalk) added(rel string, u *node) error {
	if u.linked() {
		return errNotNative
	}
	if err := w.record(rel, u, graphdriver.ChangeAdd); err != nil || !u.isDir() {
		return err
	}
	return w.addedBelow(rel)
}

// addedBelow records the entries of the layer's directory rel as Adds.
func (w *nativeWalk) addedBelow(rel string) error {
	nodes, err := listNodes(w.path(w.layer, rel))
	if err != nil {
		return err
	}
	for i := range nodes {
		if err := w.added(path.Join(rel, nodes[i].name), &nodes[i]); err != nil {
			return err
		}
	}
	return nil
}

// both compares a path of both views as naive's walker does.
func (w *nativeWalk) both(rel string, u, l *node, hiding bool) (bool, error) {
	if u.isDir() && l.isDir() {
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
	if u.linked() || l.linked() {
		return false, errNotNative
	}
	if u.typ() != l.typ() {
		if err := w.noLinks(rel, l); err != nil {
			return false, err
		}
		if err := w.record(rel, u, graphdriver.ChangeModify); err != nil || !u.isDir() {
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
func (w *nativeWalk) record(rel string, n *node, kind graphdriver.ChangeKind) error {
	e := archive.Entry{Path: rel, Kind: archive.EntryPath}
	if archive.CheckEntry(e) != nil {
		return errNotNative // naive reports it
	}
	w.changes = append(w.changes, graphdriver.Change{Path: "/" + rel, Kind: kind})
	w.entries = append(w.entries, e)
	if n.isReg() {
		w.size += n.size
	}
	return nil
}

// checkUpper reads the overlay xattrs of upper entry p: it reports an
// opaque directory and refuses every other overlay key but those that do
// not change what the merged view shows.
func (w *nativeWalk) checkUpper(p string, isDir bool) (opaque bool, err error) {
	keys, err := xattrs.LKeys(p, &w.xbuf)
	if err != nil {
		return false, err
	}
	for _, key := range keys {
		if !whiteout.IsOverlayInternalXattr(key) {
			continue
		}
		switch key[strings.LastIndexByte(key, '.')+1:] {
		case "origin", "impure", "uuid":
			continue
		case "opaque":
			v, err := xattrs.LValue(p, key, &w.xbuf)
			if err != nil || key != w.opaqueKey || string(v) != "y" || !isDir || p == w.upper {
				return false, errNotNative
			}
			opaque = true
		default: // redirect, metacopy, xattr whiteouts, ...
			return false, errNotNative
		}
	}
	return opaque, nil
}
