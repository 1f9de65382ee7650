package vfs

import (
	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
)

// Create makes read-only layer id as a full copy of parent (reflinked where
// the filesystem can). It costs one tree copy of the parent.
func (d *Driver) Create(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.s.Create(id, parent, opts, noQuota, func() error { return d.createLocked(id, parent, false) })
}

// CreateReadWrite makes container layer id; see Create.
func (d *Driver) CreateReadWrite(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.s.Create(id, parent, opts, noQuota, func() error { return d.createLocked(id, parent, true) })
}

// createLocked is Create or CreateReadWrite (rw) with id's lock held.
func (d *Driver) createLocked(id, parent string, rw bool) error {
	if err := d.s.Table.Reserve(id, parent, layerInfo{ReadWrite: rw}); err != nil {
		return err
	}
	return d.dirs.Create(id, meta{Parent: parent, ReadWrite: rw}, func(tmp string) error {
		return d.buildTree(tmp, parent)
	})
}

// buildTree makes dst: an empty root owned by the remapped root, or a copy
// of parent's tree.
func (d *Driver) buildTree(dst, parent string) error {
	if err := layers.RemoveTree(dst); err != nil { // a leftover of a crashed create
		return err
	}
	if parent != "" {
		return d.cp.Copier.CopyTree(dst, d.layerDir(parent))
	}
	return layers.MkdirOwned(dst, 0o755, d.s.RootUID, d.s.RootGID)
}

// noQuota says why the storage option "size" is ErrNotSupported.
const noQuota = "vfs has no quotas"
