package naive

import (
	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
)

// Create makes read-only layer id on parent: an empty diff and its
// metadata. It copies nothing, whatever the parent holds.
func (d *Driver) Create(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.s.Create(id, parent, opts, noQuota, func() error { return d.createLocked(id, parent, false) })
}

// CreateReadWrite makes container layer id on parent; see Create.
func (d *Driver) CreateReadWrite(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.s.Create(id, parent, opts, noQuota, func() error { return d.createLocked(id, parent, true) })
}

// createLocked is Create or CreateReadWrite (rw) with id's lock held.
func (d *Driver) createLocked(id, parent string, rw bool) error {
	// A parent's diff is never rewritten once it has a child: Reserve
	// counts the child under the lock a rewrite's commit excludes.
	d.diffsMu.RLock()
	err := d.s.Table.Reserve(id, parent, layerInfo{ReadWrite: rw})
	d.diffsMu.RUnlock()
	if err != nil {
		return err
	}
	return d.dirs.Create(id, meta{Parent: parent, ReadWrite: rw}, d.makeEmptyRoot)
}

// makeEmptyRoot makes dir, an empty diff whose root has the metadata of
// an empty layer's root: mode 0755, owned by the remapped root.
func (d *Driver) makeEmptyRoot(dir string) error {
	if err := layers.RemoveTree(dir); err != nil { // a leftover of a crashed create
		return err
	}
	return layers.MkdirOwned(dir, 0o755, d.s.RootUID, d.s.RootGID)
}

// noQuota says why the storage option "size" is ErrNotSupported.
const noQuota = "naive has no quotas"
