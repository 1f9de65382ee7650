package whiteout

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MakeWhiteout marks name deleted in the directory dir, in the form f:
// for AUFS it creates the empty file dir/.wh.<name> with mode MarkerPerm;
// for the overlay forms the char device 0/0 dir/<name> with mode
// DevicePerm: Linux 5.8 and later let any user make a 0/0 whiteout (in
// any user namespace, verified unprivileged on 6.18), older kernels need
// CAP_MKNOD. dir itself must not be a symlink, and name is never
// followed. A whiteout of the same form already there is success; any
// other existing entry is an error wrapping fs.ErrExist. name must be a
// plain name (not "", ".", "..", nor with a '/'), and for AUFS must not
// start with ".wh.", or the error wraps graphdriver.ErrInvalidLayer.
// Errnos stay reachable with errors.Is. Linux only; elsewhere
// graphdriver.ErrNotSupported.
func MakeWhiteout(dir, name string, f Format) error {
	if err := f.check(); err != nil {
		return err
	}
	if err := checkTargetName(name, f); err != nil {
		return fmt.Errorf("whiteout: make %s whiteout of %q in %s: %w", f, name, dir, err)
	}
	if err := makeWhiteout(dir, name, f); err != nil {
		return fmt.Errorf("whiteout: make %s whiteout of %q in %s: %w", f, name, dir, err)
	}
	return nil
}

// MakeOpaque marks the directory dir opaque in the form f: for AUFS it
// creates the empty file dir/.wh..wh..opq with mode MarkerPerm (0644, as
// Header writes it, so a tree walk and a tar agree); for the overlay forms
// it sets f.OpaqueXattr() to "y" (trusted.* needs CAP_SYS_ADMIN; user.*
// works for the directory's owner on filesystems with user xattrs). dir
// must not be a symlink. Marking an opaque directory again is success.
// Linux only; elsewhere graphdriver.ErrNotSupported.
func MakeOpaque(dir string, f Format) error {
	if err := f.check(); err != nil {
		return err
	}
	if err := makeOpaque(dir, f); err != nil {
		return fmt.Errorf("whiteout: make %s opaque dir %s: %w", f, dir, err)
	}
	return nil
}

// IsOpaqueDir reports whether the directory dir is opaque in the form f.
// dir must not be a symlink. For AUFS an opaque marker that is not a
// regular file is an error wrapping graphdriver.ErrInvalidLayer. Linux
// only; elsewhere graphdriver.ErrNotSupported.
func IsOpaqueDir(dir string, f Format) (bool, error) {
	if err := f.check(); err != nil {
		return false, err
	}
	ok, err := isOpaqueDir(dir, f)
	if err != nil {
		return false, fmt.Errorf("whiteout: check %s opaque dir %s: %w", f, dir, err)
	}
	return ok, nil
}

// IsWhiteoutFile reports whether a walked entry, at path with the Lstat
// result fi, is a whiteout in the form f, and of what name: for AUFS a
// regular file named ".wh.<target>" (malformed names are not whiteouts
// here; ConvertTree and Target reject them), for the overlay forms a char
// device 0/0 (it deletes its own name). Opaque markers and AUFS metadata
// are not whiteouts. Only path's last element is used. The overlay forms
// need the device number, known on Linux only: elsewhere they report
// false.
func IsWhiteoutFile(path string, fi os.FileInfo, f Format) (target string, ok bool) {
	name := filepath.Base(path)
	switch {
	case f == AUFS:
		if !fi.Mode().IsRegular() {
			return "", false
		}
		target, ok, err := checkName(name)
		if err != nil {
			return "", false
		}
		return target, ok
	case f.isOverlay():
		if fi.Mode().Type() != os.ModeDevice|os.ModeCharDevice {
			return "", false
		}
		if rdev, known := deviceNumber(fi); known && rdev == 0 {
			return name, true
		}
	}
	return "", false
}

// ConvertTree converts, in place, every whiteout and opaque directory of a
// layer's diff dir root from the form from to the form to. It works in
// two steps: a walk that checks everything and plans the changes, then
// the changes. A malformed tree changes nothing and gives an error
// wrapping graphdriver.ErrInvalidLayer that names the path: malformed
// whiteout names (see Target), whiteouts or markers that are not regular
// files, AUFS metadata below the root, and, for to == AUFS, any name of
// an overlay tree that starts with ".wh.". The AUFS metadata at the root
// (".wh..wh.plnk" and the rest) is left alone and not walked. From AUFS, a
// whiteout next to an entry of the same name (legal: a whiteout hides lower
// layers only) is removed, and when that entry is a directory it becomes
// opaque. Each change makes the new form before it removes the old one, so
// an error halfway (say EPERM from mknod when not privileged) leaves every
// whiteout in one form or the other; converting again finishes the job.
// Symlinks are never followed. from == to only checks. Linux only;
// elsewhere graphdriver.ErrNotSupported.
func ConvertTree(root string, from, to Format) error {
	if err := from.check(); err != nil {
		return err
	}
	if err := to.check(); err != nil {
		return err
	}
	if err := convertTree(root, from, to); err != nil {
		return fmt.Errorf("whiteout: convert %s from %s to %s: %w", root, from, to, err)
	}
	return nil
}

// checkTargetName rejects a name that cannot be a whiteout's target in f.
func checkTargetName(name string, f Format) error {
	switch {
	case name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00"):
		return invalid("%q is not a plain name", name)
	case f == AUFS && strings.HasPrefix(name, Prefix):
		return invalid("name %q cannot be written in the aufs form", name)
	}
	return nil
}
