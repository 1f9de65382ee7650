package aufs

import (
	"path"
	"slices"
	"strings"

	"github.com/layerfs/graphdriver/whiteout"
)

// A mount program writes deletions in the AUFS form when told to
// (programEnv), but marks an opaque directory both ways, a ".wh..wh..opq"
// file and an opaque xattr (trusted.overlay.opaque as root), tags each
// file it copies up with user.fuseoverlayfs.origin (the lower name whose
// inode number the view keeps showing), and leaves a char 0/0 device, the
// overlay whiteout, where mknod c 0 0 ran in a view. normalize turns all
// of it into the AUFS form after the view is unmounted, as kernel aufs
// and Docker expect a branch; planNormalize decides what, without
// touching the disk.

// opaqueXattrs are the xattrs a mount program may mark an opaque
// directory with.
var opaqueXattrs = []string{whiteout.OverlayOpaqueXattr, whiteout.UserOverlayOpaqueXattr, "user.fuseoverlayfs.opaque"}

// isProgramXattr reports whether key is a mount program's own: overlay
// xattrs and fuse-overlayfs's. ApplyDiff never writes them (archive
// refuses overlay xattrs from a tar), so in a diff dir they come from the
// program.
func isProgramXattr(key string) bool {
	return whiteout.IsOverlayInternalXattr(key) || strings.HasPrefix(key, "user.fuseoverlayfs.")
}

// normEntry is what normalize saw of one entry of a directory, other
// than a subdirectory (which it sees as a directory of its own).
type normEntry struct {
	name            string
	deviceWhiteout  bool     // a char device 0/0
	hasAUFSWhiteout bool     // ".wh.<name>" is there too
	xattrs          []string // the program's xattrs it carries
}

// normOpKind is one change normalize makes.
type normOpKind int

const (
	normMakeOpaque normOpKind = iota // create dir/.wh..wh..opq
	normDropXattr                    // remove the xattr key from dir/name (dir itself when name is "")
	normMakeMarker                   // create dir/.wh.<name>
	normDropDevice                   // remove the char 0/0 device dir/<name>
)

type normOp struct {
	kind normOpKind
	dir  string // relative to the diff dir, "." for its root
	name string // the entry, "" for dir itself
	key  string // the xattr, for normDropXattr
}

// planNormalize returns the changes that put directory dir in AUFS form:
// xattrs maps the program's xattrs dir carries to their values, hasMarker
// says whether the opaque marker is already there. A marker is made
// before an xattr goes, a whiteout file before its device goes, so a
// crash halfway leaves every mark in one form or the other.
func planNormalize(dir string, xattrs map[string]string, hasMarker bool, entries []normEntry) []normOp {
	var ops []normOp
	if slices.ContainsFunc(opaqueXattrs, func(k string) bool { return xattrs[k] == "y" }) && !hasMarker {
		ops = append(ops, normOp{kind: normMakeOpaque, dir: dir})
	}
	for _, k := range slices.Sorted(mapKeys(xattrs)) {
		ops = append(ops, normOp{kind: normDropXattr, dir: dir, key: k})
	}
	for _, e := range entries {
		for _, k := range e.xattrs {
			ops = append(ops, normOp{kind: normDropXattr, dir: dir, name: e.name, key: k})
		}
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

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// skipAtRoot reports whether normalize leaves the entry name of the diff
// dir's root alone: AUFS's own metadata dirs.
func skipAtRoot(dir, name string) bool {
	return path.Clean(dir) == "." && whiteout.IsAUFSMeta(name)
}
