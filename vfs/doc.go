// Package vfs is the simplest backend: every layer is a full copy of its
// parent's tree plus its own changes. Create copies the parent with
// package cow, which reflinks file contents where the filesystem can (xfs
// with reflink=1, btrfs), so on those filesystems a copy costs metadata
// only; elsewhere it costs a full copy of the data.
//
// # On-disk layout
//
// Under the driver's home (for graphdriver.New, <root>/vfs), in the layout
// Docker's vfs driver uses, so a Docker vfs store opens as is:
//
//	dir/<id>/              the layer's whole tree
//	meta/<id>.json         parent and kind (absent in Docker-made stores)
//	dir/.tmp-<id>          a Create in progress (purged on open)
//	dir/.removing-<id>     a Remove in progress (purged on open)
//
// The home and dir/ are mode 0710, so other users cannot reach setuid
// binaries inside layers.
//
// Get returns dir/<id> itself: there is no mount, and Put only drops the
// reference count. Writes through Get go straight into the layer.
//
// # Platforms
//
// Linux. Elsewhere New returns an error wrapping graphdriver.ErrNotSupported.
//
// # When not to use it
//
// Every layer costs a full copy on filesystems without reflink, so deep
// stacks of large images use disk and time in proportion to depth × size.
// Prefer overlay2 where the kernel offers overlayfs, or naive where only
// the changes should be stored. vfs is the reference the other backends
// are checked against, and the right choice where correctness matters more
// than space: every layer is a plain, complete directory.
package vfs
