package naive

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
)

// Create makes read-only layer id on parent: an empty diff and its
// metadata. It copies nothing, whatever the parent holds.
func (d *Driver) Create(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.create(id, parent, false, opts)
}

// CreateReadWrite makes container layer id on parent; see Create.
func (d *Driver) CreateReadWrite(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.create(id, parent, true, opts)
}

func (d *Driver) create(id, parent string, rw bool, opts *graphdriver.CreateOpts) (retErr error) {
	if err := layers.ValidateCreate(Name, id, parent, opts, "naive has no quotas"); err != nil {
		return err
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	// A parent's diff is never rewritten once it has a child: Reserve
	// counts the child under the lock a rewrite's commit excludes.
	d.diffsMu.RLock()
	err := d.table.Reserve(id, parent, layerInfo{ReadWrite: rw})
	d.diffsMu.RUnlock()
	if err != nil {
		return err
	}
	tmp := filepath.Join(d.diffsDir(), tmpPrefix+id)
	defer func() {
		if retErr != nil {
			retErr = errors.Join(retErr, removeTree(tmp), d.removeMeta(id))
			d.table.Release(id)
		}
	}()
	if err := d.makeEmptyRoot(tmp); err != nil {
		return fmt.Errorf("naive: create %s: %w", id, err)
	}
	if err := d.writeMeta(id, meta{Parent: parent, ReadWrite: rw}); err != nil {
		return fmt.Errorf("naive: create %s: %w", id, err)
	}
	// The rename is the commit point: before it a reopen purges the
	// temporary diff and the orphaned metadata.
	if err := os.Rename(tmp, d.diffDir(id)); err != nil {
		return fmt.Errorf("naive: create %s: %w", id, err)
	}
	d.table.SetReady(id, true)
	return nil
}

// makeEmptyRoot makes dir, an empty diff whose root has the metadata of
// an empty layer's root: mode 0755, owned by the remapped root.
func (d *Driver) makeEmptyRoot(dir string) error {
	if err := removeTree(dir); err != nil { // a leftover of a crashed create
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil { // the umask may have cut bits
		return err
	}
	if d.rootUID != os.Geteuid() || d.rootGID != os.Getegid() {
		return os.Lchown(dir, d.rootUID, d.rootGID)
	}
	return nil
}

// Remove deletes layer id: its diff is renamed aside first (the commit
// point), then deleted, so a crash never leaves a half-deleted layer.
func (d *Driver) Remove(id string) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("naive: remove: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	return d.removeLocked(id)
}

// removeLocked is Remove with id's lock held.
func (d *Driver) removeLocked(id string) error {
	if _, err := d.table.MarkRemoving(id, false); err != nil {
		return err
	}
	aside := filepath.Join(d.diffsDir(), removingPrefix+id)
	if err := os.Rename(d.diffDir(id), aside); err != nil {
		d.table.SetReady(id, true)
		return fmt.Errorf("naive: remove %s: %w", id, err)
	}
	d.table.Release(id)
	d.dropFarm(id)
	if err := errors.Join(d.removeMeta(id), removeTree(aside)); err != nil {
		return fmt.Errorf("naive: remove %s: layer removed, leftovers remain until reopen: %w", id, err)
	}
	return nil
}
