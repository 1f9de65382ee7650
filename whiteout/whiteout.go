package whiteout

import (
	"fmt"
	"strings"

	graphdriver "github.com/layerfs/graphdriver"
)

// Names of the AUFS / OCI form.
const (
	// Prefix starts the name of a whiteout: ".wh.x" deletes "x".
	Prefix = ".wh."
	// MetaPrefix starts the names AUFS reserves for itself and for the
	// opaque marker; no other name may start with it.
	MetaPrefix = Prefix + Prefix
	// OpaqueName is the opaque marker: an empty file "d/.wh..wh..opq"
	// hides what lower layers hold in d.
	OpaqueName = MetaPrefix + ".opq"
	// PlinkName is AUFS's directory of pseudo-links for hardlinks across
	// branches, at the root of a branch.
	PlinkName = MetaPrefix + "plnk"
	// AufsName is AUFS's base whiteout at the root of a branch (AUFS makes
	// whiteouts as hardlinks of it).
	AufsName = MetaPrefix + "aufs"
	// OrphName is AUFS's directory of orphaned files at the root of a
	// branch.
	OrphName = MetaPrefix + "orph"
)

// Extended attributes of the overlay form.
const (
	// OverlayOpaqueXattr set to "y" makes a directory opaque in an overlay
	// upper mounted by root.
	OverlayOpaqueXattr = "trusted.overlay.opaque"
	// UserOverlayOpaqueXattr is the same in an overlay mounted with
	// userxattr (Linux 5.11 and later, in a user namespace).
	UserOverlayOpaqueXattr = "user.overlay.opaque"
	// opaqueValue is the only value of the opaque xattr that means opaque
	// (Linux 6.7 also writes "x" for "holds xattr whiteouts", which is not).
	opaqueValue = "y"
)

// Format is a way of storing whiteouts and opaque directories.
type Format int

const (
	// AUFS is the form of OCI layer tars and of aufs branches: ".wh.x"
	// files and ".wh..wh..opq" markers.
	AUFS Format = iota
	// Overlay is the form of an overlayfs upper mounted by root: char
	// devices 0/0 and the trusted.overlay.opaque xattr.
	Overlay
	// OverlayUserXattr is the form of an overlayfs upper mounted with
	// userxattr: char devices 0/0 and the user.overlay.opaque xattr.
	OverlayUserXattr
)

// String returns "aufs", "overlay" or "overlay-userxattr".
func (f Format) String() string {
	switch f {
	case AUFS:
		return "aufs"
	case Overlay:
		return "overlay"
	case OverlayUserXattr:
		return "overlay-userxattr"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// OpaqueXattr returns the xattr that marks an opaque directory in f, or ""
// for AUFS (which uses a marker file) and for unknown formats.
func (f Format) OpaqueXattr() string {
	switch f {
	case Overlay:
		return OverlayOpaqueXattr
	case OverlayUserXattr:
		return UserOverlayOpaqueXattr
	}
	return ""
}

// check rejects formats this package does not know.
func (f Format) check() error {
	if f < AUFS || f > OverlayUserXattr {
		return fmt.Errorf("whiteout: unknown format %d: %w", int(f), graphdriver.ErrNotSupported)
	}
	return nil
}

// isOverlay reports whether f is one of the overlay forms.
func (f Format) isOverlay() bool { return f == Overlay || f == OverlayUserXattr }

// Name returns the AUFS whiteout name of target: "x" -> ".wh.x". It does
// not check target; Target does the reverse and the checks.
func Name(target string) string { return Prefix + target }

// Target returns the name a whiteout deletes: ".wh.x" -> "x", true, nil.
// A name that is not a whiteout gives "", false, nil; so do OpaqueName and
// the AUFS metadata names (see IsAUFSMeta). A malformed whiteout gives an
// error wrapping graphdriver.ErrInvalidLayer that names it: one whose
// target is empty, "." or "..", holds a '/' or a NUL, or any other name
// starting with MetaPrefix (".wh..wh.foo"). Matching is case-sensitive:
// ".WH.x" is an ordinary name.
func Target(name string) (target string, ok bool, err error) {
	target, ok, err = checkName(name)
	if err != nil {
		return "", false, fmt.Errorf("whiteout: name %q: %w", name, err)
	}
	return target, ok, nil
}

// checkName is Target without the package prefix on errors, for callers
// that add their own context.
func checkName(name string) (string, bool, error) {
	if !strings.HasPrefix(name, Prefix) || name == OpaqueName || IsAUFSMeta(name) {
		return "", false, nil
	}
	if strings.HasPrefix(name, MetaPrefix) {
		return "", false, invalid("reserved prefix %q", MetaPrefix)
	}
	target := name[len(Prefix):]
	switch {
	case target == "" || target == "." || target == "..":
		return "", false, invalid("whiteout of %q", target)
	case strings.ContainsAny(target, "/\x00"):
		return "", false, invalid("whiteout target %q is not a plain name", target)
	}
	return target, true, nil
}

// IsOpaqueMarker reports whether name is the opaque marker ".wh..wh..opq".
func IsOpaqueMarker(name string) bool { return name == OpaqueName }

// IsAUFSMeta reports whether name is one of AUFS's own entries at a branch
// root: ".wh..wh.plnk", ".wh..wh.aufs" or ".wh..wh.orph". They are never
// whiteouts and never exported.
func IsAUFSMeta(name string) bool {
	return name == PlinkName || name == AufsName || name == OrphName
}

// IsOverlayInternalXattr reports whether key is an xattr overlayfs keeps
// for itself (trusted.overlay.* or user.overlay.*). Such xattrs are never
// written into a layer tar and never taken from one: applied from a tar
// they could forge opaque dirs, redirects or origins.
func IsOverlayInternalXattr(key string) bool {
	return strings.HasPrefix(key, "trusted.overlay.") || strings.HasPrefix(key, "user.overlay.")
}

// invalid returns an error wrapping graphdriver.ErrInvalidLayer; callers
// add what it is about.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{graphdriver.ErrInvalidLayer}, args...)...)
}
