// Package naive is the pure-userspace backend, registered as "naive": no
// mounts, no FUSE, no root. It stores each layer as its canonical diff in
// the AUFS form and composes merged views by copying; it runs wherever Go
// runs on Linux. The diff rules it keeps are package layerdiff's.
//
// # The backend
//
// Under the driver's home (for graphdriver.New, <root>/naive), mode 0710
// so other users cannot reach setuid binaries inside layers
// (CVE-2021-41091):
//
//	diff/<id>/          the layer's diff in the AUFS form: changed and
//	                    new paths, ".wh.<name>" files for deletions,
//	                    ".wh..wh..opq" markers for opaque directories
//	meta/<id>.json      parent and kind: {"parent":"…","rw":true}
//	views/<id>/         the merged view while Get holds it (views/ is 0700)
//	views/.farm-<id>/   a kept link farm of the chain of a layer with
//	                    children (see below)
//	views/.check-*, .diff-*, .apply-*
//	                    link farms and stages of operations in progress
//	diff/.tmp-<id>      a Create in progress
//	diff/.removing-<id> a Remove past its commit point
//	diff/.fold-<id>     a new diff being built, or the old one just
//	                    swapped out
//	diff/.old-<id>      the old diff, set aside by a swap on a filesystem
//	                    without RENAME_EXCHANGE
//
// Opening a store purges every temporary sibling and all of views/, and
// puts back a diff/.old-<id> whose diff/<id> is missing.
//
// The stored diff is always canonical: exactly the entries layerdiff.Plan
// gives for the layer's merged view against its parent's (rules 1 to 7 of
// package layerdiff). So Diff against the own parent is the stored diff
// written out as it is, with no walk of the parent, and it is
// byte-identical to what vfs and overlay2 give for the same state.
//
// Get composes the view on the first call by walking the chain's diffs
// top-down, one merged directory at a time: the topmost layer holding a
// name gives its entry; a whiteout hides the name in the layers below
// (never in its own); an opaque marker, or a non-directory over a
// directory, ends the descent; a directory takes the metadata of its
// topmost part once its entries are in. Files are copied with package cow
// (reflinked on xfs and btrfs, copy_file_range elsewhere); names of one
// inode within a layer's diff stay one inode in the view. Later Gets
// share the view (a reference count).
//
// The last Put of a read-write layer without children folds the view
// back: it takes a link farm of the parent's chain (the parent's merged
// tree made of hardlinks into the diffs: a link per entry, no data),
// plans the view against it, writes the plan in the AUFS form into
// diff/.fold-<id> (hardlinking the view's files, which are discarded
// next), syncs the filesystem and swaps it with diff/<id> in one
// renameat2(RENAME_EXCHANGE). Until the swap the old diff is whole and
// in place; after it the new one is. A crash anywhere loses nothing that
// was committed. A read-only layer, and a read-write layer with children
// (their diffs are relative to it; overlay2 mounts such a layer
// read-only), must come back from Get unchanged: the last Put compares
// the view with a link farm of the layer's own chain, and if anything
// changed it returns an error naming the changed paths (wrapping
// graphdriver.ErrHasChildren for a parent) and keeps the diff as it was.
// Either way the reference is released and the view discarded. Cleanup
// settles every view still held the same way.
//
// A layer with children is never rewritten, so the link farm of its
// chain stays valid: it is built by the first fold of a child, kept in
// views/.farm-<id> for the folds of all its children (and used by any
// other operation that needs it), and deleted when the layer is removed. A farm holds
// directory entries and directories, no file data. An operation that
// fails drops the farm it built, leaving the home as it found it.
//
// Changes, and Diff or DiffSize against another layer than the own
// parent, walk link farms of both chains (or the layer's view while Get
// holds it). ApplyDiff unpacks the tar safely (archive.Apply) into a
// stage, composes a link farm of the stage over the layer's chain and
// stores its canonical diff as a Put would, so a non-canonical tar still
// gives canonical Diff bytes; hardlinks to files of lower layers are
// copied in from the parent's link farm. A rejected tar removes the
// layer and names the entry.
//
// Errors wrap the graphdriver sentinels and name the backend, the
// operation and the id: "naive: put 3f2a: ...". A "size" storage option
// is graphdriver.ErrNotSupported (no quotas).
//
// # Backend costs and limits
//
// Every first Get copies the whole merged tree (about what cp -a of it
// costs; metadata only with reflinks), and every last Put costs a walk of
// both trees (plus, the first time per parent, its link farm) and the
// deletion of the view, whatever changed. Writes into a view are not on
// disk as the layer's until the last Put: a process that dies while
// holding a view loses them (the next open discards the view). The swap
// of a rewritten diff takes a store-wide lock: it waits for composes in
// progress, and new ones wait for it. A Diff reader of a layer's stored
// diff left open across the last Put of that same layer may see the new
// diff. With an IDMap the views are still 0700 under the driver's uid: a
// runtime that enters them as the remapped root needs its own bind mount.
//
// # Layout of the package
//
// naive.go holds the exported API, driver_linux.go the Driver and its
// small methods, open_linux.go opening a store and putting right what a
// crash left, create_linux.go and remove_linux.go making and removing
// layers, getput_linux.go Get and Put, fold_linux.go the fold of a view
// back into its diff, farms_linux.go the link farms, diff_linux.go Diff,
// Changes, DiffSize and ApplyDiff, compose*.go the view composition and
// materialize_linux.go the writing of a plan and the reading of a stored
// diff, fsutil_linux.go the swap of a rewritten diff. naive_unsupported.go
// is the rest of the world.
//
// # Platforms
//
// Linux. Elsewhere New and Supported return an error wrapping
// graphdriver.ErrNotSupported. No privileges are needed; as root, owners
// and device nodes are kept too.
//
// # When not to use it
//
// Where overlay2 works (root or a user namespace, a backing
// filesystem with d_type), it is faster on every first Get and last Put;
// naive is for unprivileged containers, rootless CI and filesystems that
// cannot host overlayfs. On xfs or btrfs its views cost little disk; on
// ext4 each held view is a full copy.
package naive
