package aufs

// Native diff: Changes, Diff and DiffSize of a layer against its own
// parent walk only the layer's diff dir, as Docker's aufs Diff tars it,
// but with upperdiff.Walk, which judges every path it holds against the
// merged views of the layer and of its parent exactly as the full walk
// does, so the result, and the tar written from the merged view, are
// byte-identical to layerdiff's (and to every other backend's). What aufs
// adds is how its diff dir reads: a deletion is a ".wh.<name>" file, a
// directory made again an opaque one (".wh..wh..opq", or a ".wh.<name>"
// beside a directory <name>), and AUFS's own metadata at the root
// (.wh..wh.plnk, .wh..wh.aufs, .wh..wh.orph) is never walked, so it
// never reaches a tar.
//
// The walk gives up, and the views are walked instead, on a hardlink
// (one through .wh..wh.plnk too: the views resolve it), an overlay or
// mount-program xattr left in the diff dir, or a malformed whiteout.

import (
	"strings"

	"github.com/layerfs/graphdriver/internal/upperdiff"
	xattrs "github.com/layerfs/graphdriver/internal/xattr"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// upperDir gives layerdiff.Differ the diff dir of id where walking it alone
// diffs id against parent exactly.
func (d *Driver) upperDir(id, parent string) (string, upperdiff.Format, bool) {
	l, err := d.s.Table.Lookup("diff", id)
	if err != nil || l.Parent == "" || (parent != "" && parent != l.Parent) {
		return "", nil, false
	}
	return d.diffDir(id), &upperFormat{}, true
}

// upperFormat reads an AUFS diff dir for upperdiff.Walk.
type upperFormat struct{ xbuf []byte }

// ReadDir refuses dir when its xattrs say it is not a plain AUFS
// directory, then sorts its names (readUpperNames).
func (f *upperFormat) ReadDir(dir, rel string, names []upperdiff.Name) (upperdiff.Dir, error) {
	if err := f.Check(dir, true); err != nil {
		return upperdiff.Dir{}, err
	}
	return readUpperNames(rel, names)
}

// Check refuses an upper entry p carrying overlay xattrs or a mount
// program's own (normalize removes those it knows): what they mean to a
// view is not what the walk assumes.
func (f *upperFormat) Check(p string, _ bool) error {
	keys, err := xattrs.LKeys(p, &f.xbuf)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if whiteout.IsOverlayInternalXattr(key) || strings.HasPrefix(key, "user.fuseoverlayfs.") {
			return upperdiff.ErrNotExact
		}
	}
	return nil
}

// readUpperNames sorts the names of directory rel of a diff dir into
// entries, whiteouts and the opaque marker, leaving out AUFS's metadata
// at the root. A whiteout or marker that is not a regular file, or a
// malformed whiteout name, is upperdiff.ErrNotExact (the full walk of the
// views says what it is).
func readUpperNames(rel string, names []upperdiff.Name) (upperdiff.Dir, error) {
	var ud upperdiff.Dir
	for _, n := range names {
		if rel == "" && whiteout.IsAUFSMeta(n.Name) {
			continue
		}
		target, isWhiteout, err := whiteout.Target(n.Name)
		marker := whiteout.IsOpaqueMarker(n.Name)
		if err != nil || (strings.HasPrefix(n.Name, whiteout.MetaPrefix) && !marker) {
			return upperdiff.Dir{}, upperdiff.ErrNotExact
		}
		if !isWhiteout && !marker {
			ud.Entries = append(ud.Entries, n.Name)
			continue
		}
		if n.Mode&unix.S_IFMT != unix.S_IFREG {
			return upperdiff.Dir{}, upperdiff.ErrNotExact
		}
		ud.Opaque = ud.Opaque || marker
		if isWhiteout {
			ud.Whiteouts = append(ud.Whiteouts, target)
		}
	}
	return ud, nil
}
