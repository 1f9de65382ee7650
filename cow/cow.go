package cow

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
)

// XattrPolicy says what a copy does when the destination refuses an
// extended attribute that the source has.
type XattrPolicy int

const (
	// XattrsStrict fails the copy, naming the path and the key. It is the
	// zero value and the default.
	XattrsStrict XattrPolicy = iota
	// XattrsSkipUnsupported skips an attribute the destination refuses
	// with EOPNOTSUPP (the filesystem has no such namespace), or with
	// EPERM in the trusted.* and security.* namespaces (the caller lacks
	// CAP_SYS_ADMIN or CAP_SETFCAP). Any other failure still fails.
	XattrsSkipUnsupported
)

// Options tune a copy; a nil *Options means the defaults.
type Options struct {
	// Xattrs says what to do when the destination refuses an xattr
	// (EOPNOTSUPP, or EPERM on trusted.* when unprivileged):
	// XattrsStrict (default, zero value) fails naming the path and key;
	// XattrsSkipUnsupported skips those.
	Xattrs XattrPolicy
	// Stats, when non-nil, receives counters of how file contents were
	// copied.
	Stats *Stats
}

// Stats counts what a copy did. A copy adds to the counters with atomic
// operations, so one Stats may be shared by copies running at the same
// time; read it with atomic.LoadInt64 while copies run, or plainly after
// they return.
type Stats struct {
	// Reflinked, CopyRanged and ReadWritten count non-empty regular files
	// by the method that finally copied their content: FICLONE (shared
	// extents), copy_file_range (which may itself share extents on xfs
	// and btrfs, or copy in the kernel), or read and write in user space.
	Reflinked, CopyRanged, ReadWritten int64
	// Files, Dirs, Symlinks, Hardlinks and Specials count the entries
	// made: regular files (empty ones included), directories, symbolic
	// links, extra names of an inode already copied, and fifos, sockets
	// and device nodes.
	Files, Dirs, Symlinks, Hardlinks, Specials int64
	// Bytes is the sum of the sizes of the regular files copied, holes
	// and reflinked extents included.
	Bytes int64
}

// CopyFile copies the regular file src to dst: content (reflinked where
// the filesystem can, holes kept), owner, mode, extended attributes and
// times. dst must not exist; on failure nothing is left at dst. A src that
// is not a regular file (a symlink included: it is not followed) is an
// error.
func CopyFile(dst, src string, opts *Options) error {
	return NewCopier(opts).CopyFile(dst, src)
}

// CopyTree copies the tree at src to dst, which must not exist. The copy
// keeps regular files (reflinked where possible, holes kept), directories,
// symlinks (targets verbatim, never followed), hardlinks within the tree,
// fifos, sockets, device nodes, owners, modes (setuid, setgid and sticky
// included), extended attributes of every namespace listed, and times with
// nanoseconds. The root of dst gets the metadata of the root of src; src
// itself is not followed when it is a symlink.
//
// The copy descends into whatever is mounted under src: it copies what it
// sees and does not stop at mount points. On failure the partial copy is
// removed and the error names the path (relative to src) and the step
// that failed; errnos stay reachable with errors.Is.
//
// Cost: about ten system calls per entry, one walk, no worker threads
// (two parallel walks measured no faster on two cores: the filesystem
// serializes), memory independent of file sizes. File contents cost
// nothing but metadata where they can be reflinked (xfs, btrfs), an
// in-kernel copy otherwise.
func CopyTree(dst, src string, opts *Options) error {
	return NewCopier(opts).CopyTree(dst, src)
}

// CopyUp copies the path rel (relative to both roots, for example
// "etc/hosts"; a leading "/" is allowed) from lowerRoot into upperRoot, as
// an overlay filesystem does before the first write. Parent directories of
// rel missing in upperRoot are made with the metadata of their lower
// counterparts (mode, owner, xattrs, times); existing ones are kept as
// they are, times included: like overlayfs, CopyUp puts back the times of
// the upper directory it made an entry in. A directory is copied without
// its contents, a regular file with its content, a symlink as a symlink.
//
// rel must name a path strictly inside the roots: ".." components and the
// root itself are errors. A lower path that does not exist is an error
// wrapping os.ErrNotExist; an upper path that exists already is an error
// wrapping os.ErrExist. No component of rel is followed if it is a
// symlink, in either root. A failed CopyUp removes what it made and puts
// back the times it changed.
func CopyUp(upperRoot, lowerRoot, rel string, opts *Options) error {
	return NewCopier(opts).CopyUp(upperRoot, lowerRoot, rel)
}

// ReflinkSupported reports whether a file in dir can be cloned (FICLONE) to
// another file in dir. It makes and deletes two small temporary files in
// dir. A filesystem that refuses the clone is (false, nil); an error means
// the probe itself could not run.
func ReflinkSupported(dir string) (bool, error) {
	return reflinkSupported(dir)
}

// Copier copies like the package functions and also remembers, for each
// pair of source and destination filesystems, the content copy methods
// that failed there (FICLONE, copy_file_range), so later copies go
// straight to the method that works. It is what a long-lived user such as
// a storage backend keeps. The package functions use a fresh Copier per
// call. A Copier is safe for concurrent use.
type Copier struct {
	opts Options
	mu   sync.Mutex
	// pairs is keyed by source and destination device numbers. It only
	// records failures, so a device number reused by another filesystem
	// can cost speed, never correctness.
	pairs map[devPair]*pairState
}

// NewCopier returns a Copier using opts (nil means the defaults). A
// Copier keeps its own copy of opts; opts.Stats is shared.
func NewCopier(opts *Options) *Copier {
	c := &Copier{pairs: make(map[devPair]*pairState)}
	if opts != nil {
		c.opts = *opts
	}
	return c
}

// CopyFile is the package CopyFile using c's options and memory.
func (c *Copier) CopyFile(dst, src string) error { return c.copyFile(dst, src) }

// CopyTree is the package CopyTree using c's options and memory.
func (c *Copier) CopyTree(dst, src string) error { return c.copyTree(dst, src) }

// CopyUp is the package CopyUp using c's options and memory.
func (c *Copier) CopyUp(upperRoot, lowerRoot, rel string) error {
	return c.copyUp(upperRoot, lowerRoot, rel)
}

// CopyDirMetadata gives the existing directory dst the owner, mode
// (setuid, setgid and sticky included), extended attributes and times of
// the directory src; xattrs dst has and src lacks are removed. Contents
// are not touched. Neither path is followed if it is a symlink. It is
// what a union merge does to a directory that both trees hold.
func (c *Copier) CopyDirMetadata(dst, src string) error { return c.copyDirMetadata(dst, src) }

type devPair struct{ src, dst uint64 }

// pairState records which content copy methods failed for one pair of
// filesystems.
type pairState struct {
	noClone     atomic.Bool
	noCopyRange atomic.Bool
}

// splitRel splits the CopyUp path rel into its names, refusing ".." and
// the root itself; "." and empty names are dropped, so "/etc//hosts" is
// ["etc", "hosts"].
func splitRel(rel string) ([]string, error) {
	var names []string
	for _, name := range strings.Split(rel, "/") {
		switch name {
		case "", ".":
			continue
		case "..":
			return nil, errors.New("path escapes the root (has a .. component)")
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, errors.New("path names the root itself")
	}
	return names, nil
}
