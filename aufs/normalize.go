package aufs

import (
	"path"
	"slices"

	"github.com/layerfs/graphdriver/whiteout"
)

// A mount program writes deletions in the AUFS form when told to
// (programEnv), but marks an opaque directory both ways: a
// ".wh..wh..opq" file and an opaque xattr (trusted.overlay.opaque as
// root, user.fuseoverlayfs.opaque or user.overlay.opaque otherwise). And
// a char 0/0 device, the overlay whiteout, is what mknod c 0 0 in a view
// leaves. normalize turns all of it into the AUFS form after the view is
// unmounted; planNormalize decides what, without touching the disk.

// opaqueXattrs are the xattrs a mount program may mark an opaque
// directory with.
var opaqueXattrs = []string{whiteout.OverlayOpaqueXattr, whiteout.UserOverlayOpaqueXattr, "user.fuseoverlayfs.opaque"}

// normEntry is what normalize saw of one directory entry.
type normEntry struct {
	name            string
	deviceWhiteout  bool // a char device 0/0
	hasAUFSWhiteout bool // ".wh.<name>" is there too
}

// normOpKind is one change normalize makes.
type normOpKind int

const (
	normMakeOpaque normOpKind = iota // create dir/.wh..wh..opq
	normDropXattr                    // remove the xattr name from dir
	normMakeMarker                   // create dir/.wh.<name>
	normDropDevice                   // remove the char 0/0 device dir/<name>
)

type normOp struct {
	kind normOpKind
	dir  string // relative to the diff dir, "." for its root
	name string // the xattr, or the entry
}

// planNormalize returns the changes that put directory dir in AUFS form:
// xattrs maps the opaque xattrs dir carries to their values, hasMarker
// says whether the opaque marker is already there. A marker is made
// before an xattr goes, a whiteout file before its device goes, so a
// crash halfway leaves every mark in one form or the other.
func planNormalize(dir string, xattrs map[string]string, hasMarker bool, entries []normEntry) []normOp {
	var ops []normOp
	if slices.ContainsFunc(opaqueXattrs, func(k string) bool { return xattrs[k] == "y" }) && !hasMarker {
		ops = append(ops, normOp{kind: normMakeOpaque, dir: dir})
	}
	for _, k := range opaqueXattrs {
		if _, ok := xattrs[k]; ok {
			ops = append(ops, normOp{kind: normDropXattr, dir: dir, name: k})
		}
	}
	for _, e := range entries {
		if !e.deviceWhiteout {
			continue
		}
		if !e.hasAUFSWhiteout {
			ops = append(ops, normOp{kind: normMakeMarker, dir: dir, name: e.name})
		}
		ops = append(ops, normOp{kind: normDropDevice, dir: dir, name: e.name})
	}
	return ops
}

// skipAtRoot reports whether normalize leaves the entry name of the diff
// dir's root alone: AUFS's own metadata dirs.
func skipAtRoot(dir, name string) bool {
	return path.Clean(dir) == "." && whiteout.IsAUFSMeta(name)
}
