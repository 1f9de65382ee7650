package vfs

import (
	"fmt"

	"github.com/layerfs/graphdriver"
)

// Get returns the layer's directory: vfs layers are plain directories, so
// it costs a map look-up.
func (d *Driver) Get(id, mountLabel string) (dir string, err error) {
	err = d.s.Locked("get", id, func() error {
		_, err := d.s.Table.Hold("get", id)
		return err
	})
	if err != nil {
		return "", err
	}
	return d.layerDir(id), nil
}

// Put releases a reference taken by Get.
func (d *Driver) Put(id string) error {
	return d.s.Locked("put", id, func() error {
		if _, err := d.s.Table.Lookup("put", id); err != nil {
			return err
		}
		if _, ok := d.s.Table.Drop(id); !ok {
			return fmt.Errorf("vfs: put %s: %w", id, graphdriver.ErrNotMounted)
		}
		return nil
	})
}
