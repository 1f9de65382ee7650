// Package archive reads and writes OCI layer tars: Apply unpacks one
// safely onto a layer's diff dir (the attack surface of the library), and
// Write emits the canonical tar of a layer's changes.
//
// Apply is the part that meets untrusted input: a layer tar from a
// registry. It never writes outside the layer root, whatever the tar
// holds, and it bounds what a tar can cost (Limits). Its memory does not
// grow with the layer's size, only with the number of directories (their
// final modes and times are set at the end) and of lower files copied in
// for hardlinks.
//
// # Applying a layer tar
//
// Apply accepts what real producers write: USTAR, PAX, GNU (long names,
// old and PAX sparse files, GNU incremental directories as plain
// directories), absolute names ("/" stripped), "./" prefixes, PAX global
// headers (ignored), xattrs as SCHILY.xattr.* or LIBARCHIVE.xattr.*
// (url-escaped name, base64 value) records, and:
//
//   - Implied parents: a directory the tar never lists is made with mode
//     0755, owned by the (remapped) root; an entry for it coming later
//     replaces its attributes.
//   - Duplicates: the last entry wins. A non-directory in the way is
//     removed first, a whole tree included; a directory over a directory
//     keeps its contents and takes the new attributes (and xattrs).
//   - Hardlinks to earlier entries: link(2) inside the root. Hardlinks to
//     a lower layer's regular file: copied in through ApplyOptions.Lower
//     (content, owner, mode, xattrs, times), and later links to the same
//     target link to that copy.
//
// # Whiteouts within one layer
//
// A whiteout hides lower layers only, never an entry of its own layer,
// in any order (OCI image-spec layer.md):
//
//   - ".wh.x" when this layer already has x: a non-directory x stays and
//     nothing is recorded (x replaces the lower x anyway); a directory x
//     stays and becomes opaque (the layer deleted the lower x and made
//     its own).
//   - ".wh.x" when this layer has no x: the whiteout is stored. An entry x
//     that comes later replaces it; if that entry is a directory (listed
//     or implied by "x/y") it becomes opaque.
//   - ".wh..wh..opq" marks its directory opaque wherever it comes among
//     the directory's entries, and deletes nothing: the root holds only
//     this layer's entries (moby PR#17819). Delete-then-recreate of a
//     directory thus shows up as an opaque directory with the new
//     children, in every form.
//
// In the AUFS form whiteouts are ".wh.x" files and markers
// ".wh..wh..opq" (mode 0644, owned by the layer's root); in the overlay
// forms whiteouts are char devices 0/0 and opaque directories carry
// trusted.overlay.opaque=y or user.overlay.opaque=y. AUFS metadata at the
// root (".wh..wh.plnk" and the rest) is skipped with what it holds.
//
// # Safety
//
// Every path is resolved inside root with pathrs-lite (openat2
// RESOLVE_IN_ROOT, or its checked fallback on kernels before 5.6), so a
// symlink of the layer, absolute or relative, leads somewhere inside the
// root and never onto the host. Only parent directories are resolved;
// the last name is made with mknodat, openat(O_CREAT|O_EXCL|O_NOFOLLOW),
// symlinkat, linkat or mkdirat relative to the parent's descriptor and is
// never followed: owners are set with fchown or fchownat
// (AT_SYMLINK_NOFOLLOW), modes with fchmod on a real descriptor or
// fchmodat2 (AT_SYMLINK_NOFOLLOW), xattrs with fsetxattr or lsetxattr
// through /proc/self/fd/<parent> (symlinks, fifos and devices only),
// times with utimensat (AT_SYMLINK_NOFOLLOW). A symlink in the way of a
// later entry is removed, never written through: "a -> /etc" then
// "a/passwd" makes root/etc/passwd when root/etc exists and is rejected
// otherwise. Apply assumes the entries of the tar are the only writers
// of root while it runs; it still never reuses a path string resolved
// through something an earlier entry replaced.
//
// Rejected, with an error wrapping graphdriver.ErrInvalidLayer that names
// the entry: names or hardlink targets that climb out of the root;
// malformed whiteouts (".wh.", ".wh..", ".wh.a/b", ".wh..wh.foo"),
// whiteouts and opaque markers that are not regular files (or aufs-style
// hardlinks), whiteout names used as directories, AUFS metadata below the
// root;
// hardlinks to the root, to a directory, to a whiteout, to themselves,
// to a path this layer deletes, or to a file in no layer;
// trusted.overlay.* and user.overlay.* xattrs (security.selinux is
// dropped silently), user.* xattrs on symlinks, fifos and devices (Linux
// refuses them there); char devices 0/0; device nodes under NoDevices or
// when mknod fails with EPERM; parents that are not directories; entry
// types other than the above; owners the IDMap does not map; and
// anything over Limits.
//
// # Order of metadata
//
// Each entry is created, then chowned, then chmodded (setuid, setgid and
// sticky included, which chown clears), then given its xattrs
// (security.capability after chown, which clears it), then its times.
// Directories are made 0700 and get their mode and times at the end,
// deepest first, once all their children are written. Hardlink entries
// set no metadata: the inode is the target's.
//
// # Writing a layer tar
//
// Write, and NewReader which streams it from a goroutine that Close
// stops, emits the canonical tar of a change set computed elsewhere (by
// layerdiff.Plan, or a backend's native diff) as Entry values: paths read
// from the layer root (lstat; file content opened beneath the root with
// openat2 RESOLVE_NO_SYMLINKS and O_NOFOLLOW), whiteouts and opaque
// markers with whiteout.Header's fixed AUFS headers, never as hardlinks.
// SortEntries gives the one order Write accepts: component by component,
// so a directory is followed at once by its subtree; within a directory
// the opaque marker, then whiteouts, then the other entries; the root's
// marker (Path ".") first of all. Headers are PAX with nanosecond mtimes,
// no access or change times, no user or group names, owners mapped back
// through WriteOptions.IDMap, xattrs as sorted SCHILY.xattr records
// (ExportedXattr: no security.selinux, no overlay-internal keys), and the
// later paths of a hardlinked inode as links to its first; sockets are
// skipped. The same tree state and entries give the same bytes.
//
// # Platforms
//
// Apply is Linux only (openat2-style resolution and *at syscalls) and
// returns graphdriver.ErrNotSupported elsewhere. Overlay-form whiteouts
// need CAP_MKNOD or a user namespace (Linux 5.8 or later); the
// trusted.overlay.opaque xattr needs CAP_SYS_ADMIN. Unprivileged callers
// use OverlayUserXattr or AUFS, and IgnoreChownErrors for tars owned by
// other users.
//
// # When not to use it
//
// Apply unpacks one layer into that layer's own (normally empty) diff
// dir; it does not merge layers nor delete lower entries (whiteouts are
// stored, not executed): a backend composes the merged view. It is not a
// general tar extractor: it refuses device nodes it cannot make, and
// never restores entries outside the root.
package archive
