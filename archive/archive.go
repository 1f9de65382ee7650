package archive

import (
	"fmt"
	"io"
	"os"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/inroot"
	"github.com/layerfs/graphdriver/whiteout"
)

// Limits caps what one layer tar may ask of Apply. In each field 0 means
// the default (see DefaultLimits) and a negative value means unlimited.
// Going over a limit is an error wrapping graphdriver.ErrInvalidLayer that
// names the entry.
type Limits struct {
	// MaxEntries caps the number of tar headers, whiteouts and PAX global
	// headers included. Default 1<<20.
	MaxEntries int
	// MaxPathDepth caps the components of an entry's cleaned name and of
	// a hardlink's target. Default 256.
	MaxPathDepth int
	// MaxPathBytes caps the bytes of an entry's name, of a hardlink's
	// target and of a symlink's target. Default 4096 (PATH_MAX).
	MaxPathBytes int
	// MaxHeaderBytes caps, per entry, the bytes of its names and PAX
	// records (what GNU long-name and PAX headers carry). archive/tar
	// refuses such headers above 1 MiB by itself. Default 1 MiB.
	MaxHeaderBytes int
	// MaxBytes caps the regular file content of the whole layer once
	// expanded (sparse files count their full size; content copied from
	// lower layers for hardlinks counts too). Default 1<<40.
	MaxBytes int64
	// MaxXattrBytes caps, per entry, the bytes of its xattr names and
	// values. Default 64 KiB.
	MaxXattrBytes int
}

// Default limits.
const (
	defaultMaxEntries     = 1 << 20
	defaultMaxPathDepth   = 256
	defaultMaxPathBytes   = 4096
	defaultMaxHeaderBytes = 1 << 20
	defaultMaxBytes       = 1 << 40
	defaultMaxXattrBytes  = 64 << 10
)

// DefaultLimits returns the limits a zero Limits stands for: generous for
// any real image, small enough that a hostile tar cannot exhaust memory
// or, short of MaxBytes, the disk.
func DefaultLimits() Limits {
	return Limits{
		MaxEntries:     defaultMaxEntries,
		MaxPathDepth:   defaultMaxPathDepth,
		MaxPathBytes:   defaultMaxPathBytes,
		MaxHeaderBytes: defaultMaxHeaderBytes,
		MaxBytes:       defaultMaxBytes,
		MaxXattrBytes:  defaultMaxXattrBytes,
	}
}

// resolved returns l with zero fields set to their defaults and every
// negative field set to -1 (unlimited).
func (l Limits) resolved() Limits {
	d := DefaultLimits()
	pick := func(v, def int) int {
		switch {
		case v == 0:
			return def
		case v < 0:
			return -1
		}
		return v
	}
	l.MaxEntries = pick(l.MaxEntries, d.MaxEntries)
	l.MaxPathDepth = pick(l.MaxPathDepth, d.MaxPathDepth)
	l.MaxPathBytes = pick(l.MaxPathBytes, d.MaxPathBytes)
	l.MaxHeaderBytes = pick(l.MaxHeaderBytes, d.MaxHeaderBytes)
	l.MaxXattrBytes = pick(l.MaxXattrBytes, d.MaxXattrBytes)
	switch {
	case l.MaxBytes == 0:
		l.MaxBytes = d.MaxBytes
	case l.MaxBytes < 0:
		l.MaxBytes = -1
	}
	return l
}

// over reports whether n is above the limit max (-1: unlimited).
func over(n, max int) bool { return max >= 0 && n > max }

// ApplyOptions tune Apply; a nil *ApplyOptions means the zero value: AUFS
// whiteouts, identity id map, default limits, no lower layers.
type ApplyOptions struct {
	// Whiteouts is the form whiteouts and opaque directories are stored
	// in: AUFS (".wh.x" files and ".wh..wh..opq" markers), Overlay (char
	// 0/0 and trusted.overlay.opaque=y) or OverlayUserXattr (char 0/0 and
	// user.overlay.opaque=y).
	Whiteouts whiteout.Format
	// IDMap maps the container uids and gids of the tar to host ids on
	// disk. A tar id it does not map is an error wrapping
	// graphdriver.ErrInvalidLayer.
	IDMap graphdriver.IDMap
	// Limits caps what the tar may ask for.
	Limits Limits
	// Lower resolves a hardlink target that is not in this tar (a file of
	// a lower layer): it gets the target's cleaned path relative to the
	// root ("usr/bin/perl") and returns the file opened for reading, in
	// the parent's merged view (resolved inside that view, not on the
	// host), or an error wrapping os.ErrNotExist. Apply closes the file.
	// Only regular files can be copied in. nil: such links are rejected
	// with ErrInvalidLayer.
	Lower func(path string) (*os.File, error)
	// NoDevices refuses block and char device nodes even when the
	// process may make them. Without it they are made with mknod, and
	// refused all the same when mknod fails with EPERM (no CAP_MKNOD, or
	// in a user namespace). Either way the error wraps ErrInvalidLayer
	// and names the entry. Fifos are always allowed.
	NoDevices bool
	// IgnoreChownErrors is for rootless use: an owner that cannot be set
	// (EPERM, or EINVAL for an id the user namespace does not map) is left
	// as the current user's, and an xattr the process may not set (EPERM
	// or EACCES on trusted.* and security.*, as security.capability) is
	// left out. Both are silent losses.
	IgnoreChownErrors bool
}

// LowerIn is ApplyOptions.Lower for a parent's merged view at root: each
// hardlink target is opened inside root, never followed out of it (see
// internal/inroot), so a hostile tar cannot name a host file through it.
func LowerIn(root string) func(path string) (*os.File, error) {
	return func(path string) (*os.File, error) { return inroot.OpenFile(root, path) }
}

// Apply unpacks the layer tar r onto the directory root, the layer's diff
// dir, and returns the bytes of regular file content it wrote. It reads r
// to its end, past the end-of-archive marker, so a caller hashing r sees
// every byte.
//
// root normally is empty. Whatever it already holds is taken as this
// layer's own: entries of the tar replace it as duplicates would, and
// whiteouts never delete it.
//
// On any error the caller removes the layer; Apply guarantees nothing
// outside root was created, changed or deleted. A hostile or malformed tar
// gives an error wrapping graphdriver.ErrInvalidLayer that names the
// entry. The package documentation lists what is accepted and how
// whiteouts within one layer are resolved.
//
// Linux only; elsewhere graphdriver.ErrNotSupported.
func Apply(root string, r io.Reader, opts *ApplyOptions) (int64, error) {
	var o ApplyOptions
	if opts != nil {
		o = *opts
	}
	o.Limits = o.Limits.resolved()
	if o.Whiteouts < whiteout.AUFS || o.Whiteouts > whiteout.OverlayUserXattr {
		return 0, fmt.Errorf("archive: apply to %s: unknown whiteout format %d: %w", root, int(o.Whiteouts), graphdriver.ErrNotSupported)
	}
	n, err := apply(root, r, &o)
	if err != nil {
		return n, fmt.Errorf("archive: %w", err)
	}
	return n, nil
}
