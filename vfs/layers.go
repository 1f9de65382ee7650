package vfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
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

func (d *Driver) create(id, parent string, rw bool, opts *graphdriver.CreateOpts) (retErr error) {
	if err := validateCreate(id, parent, opts); err != nil {
		return err
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	if err := d.reserve(id, parent, rw); err != nil {
		return err
	}
	tmp := filepath.Join(d.layersDir(), ".tmp-"+id)
	defer func() {
		if retErr != nil {
			retErr = errors.Join(retErr, os.RemoveAll(tmp), d.removeMeta(id))
			d.release(id)
		}
	}()
	if err := d.buildTree(tmp, parent); err != nil {
		return fmt.Errorf("vfs: create %s: %w", id, err)
	}
	if err := d.writeMeta(id, meta{Parent: parent, ReadWrite: rw}); err != nil {
		return fmt.Errorf("vfs: create %s: %w", id, err)
	}
	// The rename is the commit point: before it a reopen purges the
	// temporary tree and the orphaned metadata.
	if err := os.Rename(tmp, d.layerDir(id)); err != nil {
		return fmt.Errorf("vfs: create %s: %w", id, err)
	}
	d.mu.Lock()
	d.store[id].ready = true
	d.mu.Unlock()
	return nil
}

func validateCreate(id, parent string, opts *graphdriver.CreateOpts) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("vfs: create: %w", err)
	}
	if parent != "" {
		if err := graphdriver.ValidateID(parent); err != nil {
			return fmt.Errorf("vfs: create %s: parent: %w", id, err)
		}
	}
	if opts == nil {
		return nil
	}
	for key := range opts.StorageOpt {
		if key == "size" {
			return fmt.Errorf("vfs: create %s: storage option size: quotas are %w by vfs", id, graphdriver.ErrNotSupported)
		}
		return fmt.Errorf("vfs: create %s: unknown storage option %q", id, key)
	}
	return nil
}

// reserve claims id in the store and counts it as a child of parent, so a
// concurrent Remove of the parent fails with ErrHasChildren while the copy
// runs.
func (d *Driver) reserve(id, parent string, rw bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, taken := d.store[id]; taken {
		return fmt.Errorf("vfs: create %s: %w", id, graphdriver.ErrExists)
	}
	if parent != "" {
		p, ok := d.store[parent]
		if !ok || !p.ready {
			return fmt.Errorf("vfs: create %s: parent %s: %w", id, parent, graphdriver.ErrNotFound)
		}
		p.children++
	}
	d.store[id] = &layer{meta: meta{Parent: parent, ReadWrite: rw}}
	return nil
}

// release forgets id and uncounts it from its parent.
func (d *Driver) release(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.store[id]
	if !ok {
		return
	}
	if p, ok := d.store[l.Parent]; ok && l.Parent != "" {
		p.children--
	}
	delete(d.store, id)
}

// buildTree makes dst: an empty root owned by the remapped root, or a copy
// of parent's tree.
func (d *Driver) buildTree(dst, parent string) error {
	if err := os.RemoveAll(dst); err != nil { // a leftover of a crashed create
		return err
	}
	if parent != "" {
		return d.copier.CopyTree(dst, d.layerDir(parent))
	}
	if err := os.Mkdir(dst, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(dst, 0o755); err != nil { // the umask may have cut bits
		return err
	}
	if d.rootUID != os.Geteuid() || d.rootGID != os.Getegid() {
		return os.Lchown(dst, d.rootUID, d.rootGID)
	}
	return nil
}

// Remove deletes layer id: it is renamed aside first (the commit point),
// then deleted, so a crash never leaves a half-deleted layer in place.
func (d *Driver) Remove(id string) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("vfs: remove: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	return d.removeLocked(id)
}

// removeLocked is Remove with id's lock held.
func (d *Driver) removeLocked(id string) error {
	if err := d.markRemoving(id); err != nil {
		return err
	}
	aside := filepath.Join(d.layersDir(), ".removing-"+id)
	if err := os.Rename(d.layerDir(id), aside); err != nil {
		d.mu.Lock()
		d.store[id].ready = true
		d.mu.Unlock()
		return fmt.Errorf("vfs: remove %s: %w", id, err)
	}
	d.release(id)
	err := errors.Join(d.removeMeta(id), os.RemoveAll(aside))
	if err != nil {
		return fmt.Errorf("vfs: remove %s: layer removed, leftovers remain until reopen: %w", id, err)
	}
	return nil
}

func (d *Driver) markRemoving(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.store[id]
	switch {
	case !ok || !l.ready:
		return fmt.Errorf("vfs: remove %s: %w", id, graphdriver.ErrNotFound)
	case d.refs.Count(id) > 0:
		return fmt.Errorf("vfs: remove %s: held by %d Get calls: %w", id, d.refs.Count(id), graphdriver.ErrBusy)
	case l.children > 0:
		return fmt.Errorf("vfs: remove %s: %d children: %w", id, l.children, graphdriver.ErrHasChildren)
	}
	l.ready = false
	return nil
}

// Get returns the layer's directory: vfs layers are plain directories, so
// it costs a map look-up.
func (d *Driver) Get(id, mountLabel string) (string, error) {
	if err := graphdriver.ValidateID(id); err != nil {
		return "", fmt.Errorf("vfs: get: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	if _, err := d.lookup("get", id); err != nil {
		return "", err
	}
	d.refs.Increment(id)
	return d.layerDir(id), nil
}

// Put releases a reference taken by Get.
func (d *Driver) Put(id string) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("vfs: put: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	if _, err := d.lookup("put", id); err != nil {
		return err
	}
	if _, ok := d.refs.Decrement(id); !ok {
		return fmt.Errorf("vfs: put %s: %w", id, graphdriver.ErrNotMounted)
	}
	return nil
}
