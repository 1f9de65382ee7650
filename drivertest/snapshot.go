package drivertest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SnapshotOption changes what Snapshot records.
type SnapshotOption func(*snapshotConfig)

type snapshotConfig struct {
	modTime bool
}

// WithModTime makes Snapshot record modification times. They are left out
// by default: backends keep them, but directory times change whenever a
// test writes into a directory.
func WithModTime() SnapshotOption {
	return func(c *snapshotConfig) { c.modTime = true }
}

// fileID identifies an inode, for grouping hardlinks.
type fileID struct {
	dev, ino uint64
}

// unreadable is the digest of a file the suite has no permission to read
// (an unprivileged run meeting a mode 0000 file).
const unreadable = "unreadable"

// Snapshot records the tree under root without following symlinks: for
// each path its type, mode, owner, content digest, symlink target, device
// numbers, xattrs and hardlink group. It changes nothing under root, so it
// is safe on a read-only layer's view.
func Snapshot(root string, opts ...SnapshotOption) (Tree, error) {
	var cfg snapshotConfig
	for _, o := range opts {
		o(&cfg)
	}
	tree := Tree{}
	inodes := map[fileID][]string{}
	err := filepath.WalkDir(root, func(full string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, full)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		e, id, err := recordEntry(full, cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if e.Type != TypeDir {
			inodes[id] = append(inodes[id], rel)
		}
		tree[rel] = e
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drivertest: snapshot %s: %w", root, err)
	}
	groupLinks(tree, inodes)
	return tree, nil
}

// recordEntry stats one path and, for a regular file, hashes its content.
func recordEntry(full string, cfg snapshotConfig) (Entry, fileID, error) {
	e, id, err := statEntry(full, cfg)
	if err != nil || e.Type != TypeFile {
		return e, id, err
	}
	e.Digest, err = digestFile(full)
	return e, id, err
}

func digestFile(full string) (string, error) {
	f, err := os.Open(full)
	if errors.Is(err, fs.ErrPermission) {
		return unreadable, nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// groupLinks gives every member of a hardlink set the set's first path.
func groupLinks(tree Tree, inodes map[fileID][]string) {
	for _, paths := range inodes {
		if len(paths) < 2 {
			continue
		}
		first := slices.Min(paths)
		for _, p := range paths {
			e := tree[p]
			e.LinkGroup = first
			tree[p] = e
		}
	}
}

// ignoredXattr reports the xattrs a backend or the host may add on its
// own: SELinux labels and overlayfs' private attributes.
func ignoredXattr(name string) bool {
	return name == "security.selinux" ||
		strings.HasPrefix(name, "trusted.overlay.") ||
		strings.HasPrefix(name, "user.overlay.")
}
