package vfs

import (
	"fmt"

	"github.com/layerfs/graphdriver"
)

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
	return d.dirs.Remove(id, nil)
}
