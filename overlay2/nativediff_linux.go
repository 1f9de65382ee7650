package overlay2

// Native diff: Changes, Diff and DiffSize of a layer against its own
// parent walk only the layer's upper (diff) dir, with upperdiff.Walk
// (see there why its result is the full walk's). What overlay2 adds is
// how its upper dir reads: a deletion is a char 0/0 whiteout, a
// directory made again carries the opaque xattr (trusted or user form,
// as the store mounts), and the other overlay xattrs must be ones that do
// not change what the merged view shows.
//
// The walk is not used when the probe found the kernel's overlay not
// exact here (Status says why), nor against another layer than the own
// parent; it gives up on an overlay xattr other than opaque=y, origin,
// impure or uuid (redirect, metacopy, xattr whiteouts: a store made
// elsewhere), on opaque=y anywhere but on a directory below the root,
// and on the trusted form where the store uses the user one or the other
// way round.

import (
	"strings"

	"github.com/layerfs/graphdriver/internal/upperdiff"
	xattrs "github.com/layerfs/graphdriver/internal/xattr"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// upperDir gives layerdiff.Differ the upper dir of id where walking it alone
// diffs id against parent exactly.
func (d *Driver) upperDir(id, parent string) (string, upperdiff.Format, bool) {
	if d.probe.notExact != "" {
		return "", nil, false
	}
	l, err := d.s.Table.Lookup("diff", id)
	if err != nil || l.Parent == "" || (parent != "" && parent != l.Parent) {
		return "", nil, false
	}
	return d.diffDir(id), &upperFormat{opaqueKey: d.whiteoutFormat().OpaqueXattr()}, true
}

// upperFormat reads an overlay upper dir for upperdiff.Walk.
type upperFormat struct {
	opaqueKey string // the xattr that makes an upper dir opaque
	xbuf      []byte
}

// ReadDir takes char 0/0 devices for whiteouts (overlay may hardlink
// them together, so they are never asked about links) and the opaque
// xattr of dir for its opaque flag.
func (f *upperFormat) ReadDir(dir, rel string, names []upperdiff.Name) (upperdiff.Dir, error) {
	opaque, err := f.checkXattrs(dir, true, rel == "")
	if err != nil {
		return upperdiff.Dir{}, err
	}
	ud := upperdiff.Dir{Opaque: opaque}
	for _, n := range names {
		if n.Mode&unix.S_IFMT == unix.S_IFCHR && n.Rdev == 0 {
			ud.Whiteouts = append(ud.Whiteouts, n.Name)
		} else {
			ud.Entries = append(ud.Entries, n.Name)
		}
	}
	return ud, nil
}

// Check refuses an upper entry p whose overlay xattrs the walk cannot
// follow.
func (f *upperFormat) Check(p string, isDir bool) error {
	_, err := f.checkXattrs(p, isDir, false)
	return err
}

// checkXattrs reads the overlay xattrs of upper entry p: it reports an
// opaque directory and refuses every other overlay key but those that do
// not change what the merged view shows. The root of the upper dir
// cannot be opaque: there is nothing above it to hide.
func (f *upperFormat) checkXattrs(p string, isDir, root bool) (opaque bool, err error) {
	keys, err := xattrs.LKeys(p, &f.xbuf)
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
			v, err := xattrs.LValue(p, key, &f.xbuf)
			if err != nil || key != f.opaqueKey || string(v) != "y" || !isDir || root {
				return false, upperdiff.ErrNotExact
			}
			opaque = true
		default: // redirect, metacopy, xattr whiteouts, ...
			return false, upperdiff.ErrNotExact
		}
	}
	return opaque, nil
}
