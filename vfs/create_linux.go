package vfs

import (
	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
)

// Create makes read-only layer id as a full copy of parent (reflinked where
// the filesystem can). It costs one tree copy of the parent.
func (d *Driver) Create(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.create(id, parent, false, opts)
}

// CreateReadWrite makes container layer id; see Create.
func (d *Driver) CreateReadWrite(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.create(id, parent, true, opts)
}

func (d *Driver) create(id, parent string, rw bool, opts *graphdriver.CreateOpts) error {
	if err := layers.ValidateCreate(Name, id, parent, opts, "vfs has no quotas"); err != nil {
		return err
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	if err := d.table.Reserve(id, parent, layerInfo{ReadWrite: rw}); err != nil {
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
		return d.copier.CopyTree(dst, d.layerDir(parent))
	}
	return layers.MkdirOwned(dst, 0o755, d.rootUID, d.rootGID)
}
