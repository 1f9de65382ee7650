package aufs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver/internal/layers"
	xattrs "github.com/layerfs/graphdriver/internal/xattr"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// normalize puts the diff dir root in AUFS form after a mount program
// wrote into it (see planNormalize). It walks the whole dir: a listing of
// each directory and an llistxattr per entry, plus the changes.
func normalize(root string) error {
	var buf []byte
	if err := normalizeDir(root, ".", &buf); err != nil {
		return fmt.Errorf("normalize %s to the aufs form: %w", root, err)
	}
	return nil
}

func normalizeDir(root, rel string, buf *[]byte) error {
	dir := filepath.Join(root, rel)
	list, subdirs, hasMarker, err := scanDir(dir, rel, buf)
	if err != nil {
		return err
	}
	own, err := programXattrs(dir, buf)
	if err != nil {
		return err
	}
	for _, op := range planNormalize(rel, own, hasMarker, list) {
		if err := applyNormOp(root, op); err != nil {
			return err
		}
	}
	for _, sub := range subdirs {
		if err := normalizeDir(root, filepath.Join(rel, sub), buf); err != nil {
			return err
		}
	}
	return nil
}

// scanDir lists directory dir (rel in the diff dir): the entries that
// need a change, its subdirectories and whether it holds the opaque
// marker.
func scanDir(dir, rel string, buf *[]byte) (list []normEntry, subdirs []string, hasMarker bool, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, false, err
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case skipAtRoot(rel, name):
			continue
		case e.IsDir():
			subdirs = append(subdirs, name)
			continue
		}
		n := normEntry{name: name, hasAUFSWhiteout: names[whiteout.Name(name)]}
		n.deviceWhiteout = e.Type()&os.ModeCharDevice != 0 && isDeviceWhiteout(filepath.Join(dir, name))
		if e.Type()&os.ModeSymlink == 0 {
			kv, err := programXattrs(filepath.Join(dir, name), buf)
			if err != nil {
				return nil, nil, false, err
			}
			n.xattrs = slicesKeys(kv)
		}
		if n.deviceWhiteout || len(n.xattrs) > 0 {
			list = append(list, n)
		}
	}
	return list, subdirs, names[whiteout.OpaqueName], nil
}

func slicesKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func isDeviceWhiteout(p string) bool {
	var st unix.Stat_t
	return unix.Lstat(p, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0
}

// programXattrs returns the mount program's xattrs p carries, with their
// values.
func programXattrs(p string, buf *[]byte) (map[string]string, error) {
	keys, err := xattrs.LKeys(p, buf)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, k := range keys {
		if !isProgramXattr(k) {
			continue
		}
		v, err := xattrs.LValue(p, k, buf)
		if err != nil {
			return nil, err
		}
		out[k] = string(v)
	}
	return out, nil
}

func applyNormOp(root string, op normOp) error {
	dir := filepath.Join(root, op.dir)
	switch op.kind {
	case normMakeOpaque:
		return whiteout.MakeOpaque(dir, whiteout.AUFS)
	case normDropXattr:
		p := filepath.Join(dir, op.name)
		if err := unix.Lremovexattr(p, op.key); err != nil && !errors.Is(err, unix.ENODATA) {
			return &os.PathError{Op: "lremovexattr " + op.key, Path: p, Err: err}
		}
	case normMakeMarker:
		return whiteout.MakeWhiteout(dir, op.name, whiteout.AUFS)
	case normDropDevice:
		return layers.RemoveIfExists(filepath.Join(dir, op.name))
	}
	return nil
}
