package vfs

import (
	"fmt"

	"github.com/layerfs/graphdriver"
)

// Get returns the layer's directory: vfs layers are plain directories, so
// it costs a map look-up.
func (d *Driver) Get(id, mountLabel string) (string, error) {
	if err := graphdriver.ValidateID(id); err != nil {
		return "", fmt.Errorf("vfs: get: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	if _, err := d.table.Hold("get", id); err != nil {
		return "", err
	}
	return d.layerDir(id), nil
}

// Put releases a reference taken by Get.
func (d *Driver) Put(id string) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("vfs: put: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	if _, err := d.table.Lookup("put", id); err != nil {
		return err
	}
	if _, ok := d.table.Drop(id); !ok {
		return fmt.Errorf("vfs: put %s: %w", id, graphdriver.ErrNotMounted)
	}
	return nil
}
