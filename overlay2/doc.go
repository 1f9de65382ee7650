// Package overlay2 is the backend on kernel overlayfs, in the on-disk
// layout of Docker's overlay2 driver, so an existing Docker store opens
// as is and a store made here opens in Docker.
//
// # On-disk layout
//
// Under the driver's home (for graphdriver.New, <root>/overlay2), mode
// 0710 so other users cannot reach setuid binaries inside layers
// (CVE-2021-41091):
//
//	<id>/diff        the layer's own files: an overlay upper dir
//	<id>/link        the layer's short link name: 26 characters [A-Z0-9]
//	<id>/lower       the parents' links, nearest first: "l/A:l/B" (absent
//	                 for a base layer)
//	<id>/work        overlay's work dir (layers with a parent)
//	<id>/merged      where the merged view is mounted
//	<id>/committed   an empty file, written when a child is created
//	                 (as Docker does)
//	<id>/rw          an empty file marking a read-write (container) layer;
//	                 ours, ignored by Docker
//	l/<link>         symlink to ../<id>/diff
//	.tmp-<id>        a Create in progress (purged on open)
//	.removing-<id>   a Remove in progress (purged on open)
//	.probe-*         the probes' temporary dir (purged on open)
//
// Whiteouts and opaque dirs in diff dirs are in overlay form: char 0/0
// devices and trusted.overlay.opaque=y (user.overlay.opaque=y with
// userxattr). A missing l/ link (moby#35747) is rebuilt on open from the
// layer's link file.
//
// # Mounts
//
// A base layer without children is its diff dir: Get mounts nothing, as
// in Docker. Any other layer is an overlay at <id>/merged with its
// parents' diff dirs as lowers: read-write with its own diff as upper, or
// read-only, its diff the topmost lower, when the layer has children (a
// view of a parent must not change its children). Every mount sets
//
//   - index=off: with the index on, a lower that is also another mount's
//     upper (a parent mounted while its child is) fails with EBUSY;
//   - redirect_dir=off: with it on, renaming a lower dir stores an empty
//     upper dir plus an overlay.redirect xattr, which a diff walking the
//     upper cannot see (moby#33733); off, rename(2) of a lower dir gets
//     EXDEV and tools copy instead (redirect_dir=nofollow with
//     userxattr: the kernel refuses off, which follows redirects, there);
//   - metacopy=off: with it on, a chmod copies up metadata only and the
//     upper holds a sparse placeholder (same problem as redirect_dir);
//   - userxattr when running in a user namespace, where trusted.* xattrs
//     cannot be written (Linux >= 5.11);
//   - context="<label>" when Get is given an SELinux mount label.
//
// Mounts use the new mount API (fsopen, one fsconfig "lowerdir+" per
// layer, fsmount, move_mount; Linux >= 6.8), which has no page-size limit:
// up to 500 lowers, the kernel's maximum. Where the kernel lacks it,
// mount(2) takes the options as one page of data, with short relative
// l/<link> paths, mounted from a locked OS thread that unshared its
// working directory (the process's never changes); a chain that does not
// fit the page is refused with an error wrapping ErrNotSupported naming
// the depth (moby#41830 was an off-by-one there).
//
// Overlay mounts found under the home at open belong to a previous
// process that crashed: they are unmounted (MNT_DETACH). Cleanup unmounts
// this driver's views only.
//
// # Diff
//
// Changes, Diff and DiffSize of a layer against its own parent walk only
// its diff dir (the native diff), comparing each path it holds in the
// merged views exactly as package layerdiff does, so the output is
// byte-identical to layerdiff's walk. That is sound only when the kernel did as
// the options above ask: New probes a test mount (chmod of a lower file
// must copy it up whole; rename of a lower dir must fail with EXDEV) and
// Status says "Native Overlay Diff: false (why)" when it did not. Any
// other parent, a store made elsewhere (redirect or metacopy xattrs) and
// hardlinks fall back to layerdiff's walk of both merged views. ApplyDiff
// unpacks straight into the diff dir with package archive.
//
// # Platforms
//
// Linux, as root or in a user namespace. New probes the backing
// filesystem (it must have d_type; overlayfs itself cannot host an
// upper) and a real test mount. Elsewhere, and when a probe fails, New
// returns an error wrapping graphdriver.ErrNotSupported saying why.
//
// # When not to use it
//
// Without privilege (no root, no user namespace), on a backing filesystem
// without d_type (xfs with ftype=0) or on overlayfs, and for stacks deeper
// than 500 layers; use naive or vfs there. Per-layer quotas ("size") are
// not implemented yet.
package overlay2
