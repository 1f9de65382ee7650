// Package aufs is the backend in the on-disk layout of Docker's aufs
// driver, so a /var/lib/docker/aufs store opens as is, and usable where
// the kernel has no aufs (Docker dropped aufs in v24; most kernels never
// had it) through a mount program that reads the same branches:
// fuse-overlayfs.
//
// # On-disk layout
//
// Under the driver's home (for graphdriver.New, <root>/aufs), mode 0710
// so other users cannot reach setuid binaries inside layers
// (CVE-2021-41091):
//
//	diff/<id>            the layer's own files: an aufs branch, with
//	                     whiteouts stored literally (".wh.<name>" empty
//	                     files, ".wh..wh..opq" in an opaque dir) and, in
//	                     a branch kernel aufs mounted read-write, AUFS's
//	                     metadata at its root: .wh..wh.aufs,
//	                     .wh..wh.plnk/ (pseudo-links of hardlinks made
//	                     across branches) and .wh..wh.orph/
//	layers/<id>          the ids of the layer's ancestors, nearest first,
//	                     one per line (empty for a base layer)
//	mnt/<id>             where the merged view is mounted
//	work/<id>            while a mount program serves a view: its work
//	                     dir and an empty lower for a base layer (ours;
//	                     Docker has no such dir and ignores it)
//	diff/.tmp-<id>,      a Create in progress (purged on open)
//	layers/.tmp-<id>
//	diff/<id>-removing,  a Remove in progress, named as Docker names it
//	mnt/<id>-removing    (purged on open, as Docker purges them)
//
// An id ending in "-removing" is refused (ErrInvalidID): Docker would
// purge it.
//
// # Mounts
//
// Every view is mounted at mnt/<id>, a base layer too (its diff dir
// would show AUFS's metadata): read-write over the layer's diff dir with
// its ancestors' below, or read-only with its diff dir on top when the
// layer has children, so a view of a parent cannot change its children.
//
// With kernel aufs (in /proc/filesystems, after modprobe aufs) the mount
// is "br:<diff/id>=rw:<diff/parent>=ro+wh:...,dio,xino=/dev/shm/aufs.xino"
// plus dirperm1 where the module takes it and an SELinux context for a
// mount label. Branches that do not fit one page of mount data go in
// "append:<dir>=ro+wh" remounts, as many to a page as fit (the pure
// planKernelMount; its unit tests cover 500-layer chains). Unmounting
// retries while the kernel says EBUSY, then detaches.
//
// With "aufs.mount_program=fuse-overlayfs" the same diff dirs are mounted
// by that program (lowerdir, upperdir, workdir; paths relative to diff/,
// so a deep chain stays short), run with FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT
// so that it writes deletions as ".wh." files. fuse-overlayfs (1.10,
// checked on Linux 6.18) reads ".wh." files, ".wh..wh..opq" markers and
// char 0/0 devices as whiteouts and hides every ".wh."-prefixed name from
// the view, AUFS metadata included. What it writes that is not AUFS form
// the last Put puts right once the view is unmounted: it marks an opaque
// directory with trusted.overlay.opaque besides the marker, tags each
// file it copies up with user.fuseoverlayfs.origin, and mknod c 0 0 in a
// view leaves a 0/0 device; the xattrs go and the device becomes a
// ".wh." file. Its copy-up is not exact, and no driver can make it so:
// a lower fifo or device comes up as a regular file (the call fails with
// EIO), a directory it copies up loses setuid and setgid, a symlink gets
// a new mtime, renaming a lower directory copies its tree up that way,
// removing one name of a lower hardlink copies another up alone (as does
// writing to one), a hardlink to a lower file can show as a separate
// file, and a copy-up gives the directories it writes into a new mtime.
// Kernel aufs has none of this. Serving a store with a mount program
// needs root here (owners, devices, trusted.* xattrs).
//
// Mounts found under the home at open belong to a previous process that
// crashed: they are unmounted, and what a mount program wrote through
// them normalized. Cleanup unmounts this driver's views only.
//
// # Diffs
//
// Diff, Changes and DiffSize of a layer against its own parent walk its
// diff dir and judge each path there against the merged views, so the
// tar is byte-identical to every other backend's (see layerdiff); AUFS
// metadata never reaches it. A hardlink (a pseudo-link in .wh..wh.plnk is
// one) makes the walk fall back to layerdiff's walk of both views, which resolves
// it. ApplyDiff unpacks straight into the diff dir with AUFS whiteouts.
// Migrating a store to overlay2 is package migrate's.
//
// # Platforms
//
// Linux, as root. New returns an error wrapping graphdriver.ErrNotSupported
// saying why when the kernel has no aufs and no mount program is set
// ("set aufs.mount_program=fuse-overlayfs"), when the program is not
// installed, and off Linux.
//
// # When not to use it
//
// For a new store, use overlay2: kernel overlayfs is faster and exact.
// aufs is for the stores Docker's aufs driver left, and for kernels that
// still ship aufs. Through fuse-overlayfs every file operation crosses
// into a user process, and the copy-up limits above apply. No per-layer
// quota ("size" is ErrNotSupported).
package aufs
