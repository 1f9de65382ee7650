package layerdiff

import "github.com/layerfs/graphdriver/cow"

// Merge moves the AUFS-form layer diff at diff onto the full tree dst, so
// that dst shows afterwards what a union of diff over dst shows: a
// whiteout deletes its target, an opaque marker empties the directory
// first, a directory held by both is merged and takes diff's metadata
// (owner, mode, xattrs, times), anything else replaces what dst had.
// Whiteouts and markers are never copied into dst.
//
// diff is consumed: its entries are renamed into dst, so both must be on
// one filesystem, and hardlinks within diff stay hardlinks. The root's own
// metadata is kept (a diff never carries it), times included. Symlinks are
// never followed: Merge descends only where both sides hold a real
// directory. It trusts diff's names as archive.Apply writes them, and
// assumes nothing else changes either tree while it runs. On error dst is
// partly merged; the caller discards it.
func Merge(dst, diff string, copier *cow.Copier) error {
	return merge(dst, diff, copier)
}
