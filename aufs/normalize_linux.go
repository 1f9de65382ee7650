package aufs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// normalize puts the diff dir root in AUFS form after a mount program
// wrote into it (see planNormalize). It walks every directory: a read
// of each directory and an lgetxattr per opaque key, plus the changes.
func normalize(root string) error {
	if err := normalizeDir(root, "."); err != nil {
		return fmt.Errorf("normalize %s to the aufs form: %w", root, err)
	}
	return nil
}

func normalizeDir(root, rel string) error {
	dir := filepath.Join(root, rel)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	var list []normEntry
	var subdirs []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case skipAtRoot(rel, name):
		case e.Type().IsDir():
			subdirs = append(subdirs, name)
		case e.Type()&os.ModeCharDevice != 0 && isDeviceWhiteout(filepath.Join(dir, name)):
			list = append(list, normEntry{name: name, deviceWhiteout: true, hasAUFSWhiteout: names[whiteout.Name(name)]})
		}
	}
	xattrs, err := opaqueXattrValues(dir)
	if err != nil {
		return err
	}
	for _, op := range planNormalize(rel, xattrs, names[whiteout.OpaqueName], list) {
		if err := applyNormOp(root, op); err != nil {
			return err
		}
	}
	for _, sub := range subdirs {
		if err := normalizeDir(root, filepath.Join(rel, sub)); err != nil {
			return err
		}
	}
	return nil
}

func isDeviceWhiteout(p string) bool {
	var st unix.Stat_t
	return unix.Lstat(p, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0
}

// opaqueXattrValues returns the opaque xattrs dir carries.
func opaqueXattrValues(dir string) (map[string]string, error) {
	out := map[string]string{}
	buf := make([]byte, 64)
	for _, k := range opaqueXattrs {
		n, err := unix.Lgetxattr(dir, k, buf)
		switch {
		case errors.Is(err, unix.ENODATA) || errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.ERANGE):
			if errors.Is(err, unix.ERANGE) {
				out[k] = "" // too long to be "y": dropped all the same
			}
			continue
		case err != nil:
			return nil, &os.PathError{Op: "lgetxattr " + k, Path: dir, Err: err}
		}
		out[k] = string(buf[:n])
	}
	return out, nil
}

func applyNormOp(root string, op normOp) error {
	dir := filepath.Join(root, op.dir)
	switch op.kind {
	case normMakeOpaque:
		return whiteout.MakeOpaque(dir, whiteout.AUFS)
	case normDropXattr:
		if err := unix.Lremovexattr(dir, op.name); err != nil && !errors.Is(err, unix.ENODATA) {
			return &os.PathError{Op: "lremovexattr " + op.name, Path: dir, Err: err}
		}
	case normMakeMarker:
		return whiteout.MakeWhiteout(dir, op.name, whiteout.AUFS)
	case normDropDevice:
		return removeIfExists(filepath.Join(dir, op.name))
	}
	return nil
}
