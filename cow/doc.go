// Package cow holds the copy-on-write primitives the layer backends share:
// copy one regular file (CopyFile), copy a whole tree (CopyTree), and copy
// one path from a lower tree up into an upper one the way overlayfs does
// before a write (CopyUp).
//
// # What a copy keeps
//
// Regular files keep their content and holes; directories, symlinks
// (targets verbatim, never followed), hardlinks within the copied tree,
// fifos, sockets and device nodes are made again. Every entry keeps its
// owner, its mode with the setuid, setgid and sticky bits, its extended
// attributes of every namespace listxattr shows (user.*, trusted.*,
// security.*, POSIX ACLs), and its access and modification times with
// nanoseconds. The change time and file flags (chattr) are not copied,
// nor xfs's trusted.SGI_ACL_* keys, its own form of the POSIX ACLs that
// are copied. Hardlinks that leave the copied tree become independent
// copies. A file counts as sparse when it has fewer blocks than its size
// needs; only then are its extents looked up, so a dense file costs no
// extra system calls.
//
// # How content is copied
//
// For each regular file the copy tries, in order: FICLONE, which shares
// the extents (xfs with reflink=1, btrfs; the copy costs no data blocks
// until one side is written); copy_file_range, which copies inside the
// kernel (and may share extents itself on xfs and btrfs); and a read and
// write loop. A source file with holes is copied extent by extent
// (SEEK_DATA and SEEK_HOLE), so holes stay holes. When a method fails in a
// way that means the filesystems cannot do it (EXDEV, EOPNOTSUPP, ENOSYS,
// EINVAL), the copy stops trying it for that pair of filesystems; a
// Copier keeps that memory across calls. Stats counts files by the method
// that was used.
//
// # Order of metadata
//
// Writing content and chown both clear setuid bits and
// security.capability, and making entries in a directory changes its
// times, so each entry gets its content, then its owner, then its xattrs,
// then its mode, then its times; a directory gets its xattrs, mode and
// times only after its contents. A directory copy is mode 0700 until then,
// so sources with modes like 0500 or 0000 copy fine when the caller can
// read them.
//
// # Errors
//
// Errors name the path relative to the copied roots and the step that
// failed, and wrap the errno:
//
//	cow: copy usr/bin/su: set xattr security.capability: operation not supported
//
// A failed CopyFile or CopyTree removes what it made; so does CopyUp,
// including the parents it made.
//
// # Platforms and limits
//
// Linux only; elsewhere every call returns an error wrapping
// graphdriver.ErrNotSupported. Copying device nodes other than the 0/0
// whiteout needs CAP_MKNOD, setting trusted.* xattrs CAP_SYS_ADMIN, and
// setting owners other than the caller's CAP_CHOWN; without them the copy
// fails naming the path (Options.Xattrs can skip xattrs the destination
// refuses). The source must not change during a copy. A tree copy keeps
// two file descriptors open per directory level and descends into
// filesystems mounted under the source; it is not the tool to copy a live
// system or a tree with mounts you want to skip.
//
// # When not to use it
//
// Not for moving a tree within one filesystem (a rename is free), nor for
// deciding what a layer holds: layerdiff compares trees, cow only copies.
package cow
