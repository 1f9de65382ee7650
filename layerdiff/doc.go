// Package layerdiff is the userspace diff engine: it compares two full
// trees, a layer's merged view and its parent's, and gives what changed
// as a change list (Changes), as the entries of a layer tar (Plan), as
// the tar itself (Diff) and as its content size (DiffSize). Merge goes
// the other way: it lays an AUFS-form diff onto a full tree with union
// semantics.
//
// Every backend diffs through it: Differ turns a backend's merged views
// (Views, or MountedViews over its own Get and Put) into the Changes,
// Diff and DiffSize methods of graphdriver.Driver, and a backend that
// can diff natively (an overlay upper dir, an AUFS branch) sets
// Differ.Native, which Differ asks first and falls back from. Because the
// rules below decide every result, the same tree state gives
// byte-identical Diff output on every backend.
//
// # The canonical diff
//
// The result depends on the two tree states only, never on the history
// that made them, so the same state gives byte-identical Diff output on
// every backend. Paths are compared by merge-joining the sorted listings
// (byte order of names) of each directory; symlinks are never followed.
//
//  1. An entry only in the layer is an Add, and so is all below it.
//  2. An entry only in the parent is a Delete: one for the top of a removed
//     subtree, none for what was below it.
//  3. An entry in both is a Modify when its type, permission bits
//     (setuid, setgid, sticky included), uid, gid, xattrs, symlink target
//     or device numbers differ; when a non-directory's mtime (ns) differs;
//     when a regular file's size differs, or its content where size and
//     mtime are equal but the mtime is a whole second (a filesystem with
//     1-second timestamps can hide a same-size rewrite; with nanosecond
//     timestamps a same-size rewrite that kept the mtime is not seen);
//     or when, for a non-directory with more than one link in either
//     tree, the sorted set of paths sharing its inode differs between the
//     trees (linking b to a makes a a Modify too). A changed type is a
//     Modify of the path: the entries of a new directory are Adds, those
//     of a replaced directory give no Deletes. Xattrs compare as
//     archive.ExportedXattr sees them (no security.selinux, no
//     overlay-internal keys).
//  4. A directory in both is a Modify when its own metadata differs
//     (mtime included) or anything below it changed. The root is never
//     listed.
//  5. Changes are graphdriver.Change values with absolute paths, sorted
//     by the bytes of the path. With parent "" every entry is an Add.
//  6. In the tar, for a directory D in both trees, if the parent's D held
//     entries and none of their names is left in the layer's D, one opaque
//     marker D/.wh..wh..opq stands for all deletions in D; otherwise each
//     name gone gets a whiteout D/.wh.<name>. So a directory removed and
//     made again, and one emptied entry by entry, give the same bytes. The
//     root follows the same rule, with the marker .wh..wh..opq first in the
//     tar.
//  7. Tar order and headers are archive's: see archive.SortEntries and
//     archive.Write. Sockets are listed by Changes but a tar cannot hold
//     them, so Diff leaves them out, and the root's own metadata is never
//     in a tar.
//
// # Cost
//
// One walk gives all four results: an lstat and an xattr listing per
// entry of both trees, a readlink per symlink and xattr reads where lstat
// shows no difference. Memory is one directory listing per depth level
// and tree, the hardlink bookkeeping (the paths of inodes with more than
// one link), and the results, which grow with the number of changes, not
// with the trees. Diff streams the tar after the walk.
//
// # Layout of the package
//
// layerdiff.go holds the exported calls on trees, walk*.go the walk and
// its hardlink bookkeeping, plan.go the whiteout rule and the ordering,
// merge*.go Merge, differ.go Differ and Views. The lstat-level reading of
// trees is in internal/fstree, shared with the upper walk
// (internal/upperdiff).
//
// # Platforms
//
// Linux. Elsewhere every call returns an error wrapping
// graphdriver.ErrNotSupported. No privileges are needed beyond reading
// both trees; unreadable entries are errors that name the path.
//
// # When not to use it
//
// The trees must not change during a call: a diff of a layer still being
// written is undefined. A backend that records changes as they happen
// (an overlay upper dir, with redirect_dir and metacopy off) should diff
// by walking the upper only, through Differ.Native, which costs far less
// on big trees.
package layerdiff
