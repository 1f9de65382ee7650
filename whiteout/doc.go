// Package whiteout names and converts the two ways a layer records what it
// deletes: whiteouts (a path deleted from the layers below) and opaque
// directories (a directory whose lower contents are hidden).
//
// # Formats
//
//	form                 whiteout of x          opaque directory d
//	AUFS / OCI tar       empty file .wh.x       empty file d/.wh..wh..opq
//	Overlay              char device 0/0 x      xattr trusted.overlay.opaque=y on d
//	OverlayUserXattr     char device 0/0 x      xattr user.overlay.opaque=y on d
//
// Layer tars (OCI image-spec layer.md) and aufs/naive diff dirs use the
// AUFS form; an overlayfs upper dir uses an overlay form, the userxattr one
// when mounted with userxattr in a user namespace. AUFS keeps its own
// entries at a branch root (.wh..wh.plnk, .wh..wh.aufs, .wh..wh.orph):
// they are never whiteouts and never leave the store. Overlay-internal
// xattrs (trusted.overlay.*, user.overlay.*) never go into a tar and are
// never taken from one.
//
// # Layout
//
// The package has three parts, pure ones first:
//
//   - names: Name, Target, IsOpaqueMarker, IsAUFSMeta,
//     IsOverlayInternalXattr (whiteout.go);
//   - tar streams: Header, the canonical header of a whiteout, and
//     ConvertTar, which re-emits a layer tar in the other form while it
//     streams (header.go, tar*.go);
//   - diff dirs on disk: MakeWhiteout, MakeOpaque, IsWhiteoutFile,
//     IsOpaqueDir and ConvertTree, which checks and plans a whole tree
//     before it changes anything (disk.go, tree.go; the syscalls are in
//     the _linux.go files).
//
// Malformed or hostile input (".wh..", ".wh.a/b", ".wh..wh.foo", AUFS
// metadata below the root, hardlinks to whiteouts) is an error wrapping
// graphdriver.ErrInvalidLayer that names the entry.
//
// # Platforms
//
// Names and tar conversion are pure Go and work everywhere. The on-disk
// functions are Linux only and return graphdriver.ErrNotSupported
// elsewhere (IsWhiteoutFile reports the AUFS form everywhere, the overlay
// forms on Linux only). Overlay whiteouts (char 0/0) need CAP_MKNOD before
// Linux 5.8 and no privilege since; the trusted.overlay.opaque xattr needs
// CAP_SYS_ADMIN; user.overlay.opaque works for the directory's owner on a
// filesystem with user xattrs (ext4, xfs, btrfs; tmpfs since Linux 6.6).
//
// # When not to use it
//
// It does not apply layers: unpacking a tar safely (paths kept inside the
// layer root, links, limits) is the archive package's job, and composing a
// merged view is a backend's. It knows nothing of overlay's other xattrs
// (redirect, origin, metacopy) nor of the xattr whiteouts of Linux 6.7
// (overlay.whiteout on an empty file): backends mount overlay with
// redirect_dir and metacopy off and never make those, and ConvertTar drops
// their xattrs like any overlay-internal one.
package whiteout
