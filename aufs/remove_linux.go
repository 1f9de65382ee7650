package aufs

import (
	"errors"
	"fmt"
	"os"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/internal/mountinfo"
)

// Remove deletes layer id: it checks that nothing is mounted on its
// mount point, renames diff/<id> to diff/<id>-removing (the commit
// point), removes layers/<id> and the mount point, then deletes the
// renamed dir, so a crash never leaves a half-deleted layer.
func (d *Driver) Remove(id string) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("aufs: remove: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	return d.table.Remove(id, layers.Removal[struct{}]{
		Aside: func(layer) error { return d.renameAside(id) },
		Purge: func(layer) error {
			return errors.Join(layers.RemoveIfExists(d.layersFile(id)), d.purgeMnt(id),
				d.purge(d.diffDir(id+removingSuffix)), os.RemoveAll(d.workDir(id)))
		},
	})
}

// renameAside moves diff/<id> to diff/<id>-removing unless something is
// mounted on mnt/<id> (a leaked mount: unmount it first).
func (d *Driver) renameAside(id string) error {
	entries, err := mountinfo.Read()
	if err != nil {
		return fmt.Errorf("read mount table: %w", err)
	}
	if mountinfo.IsMountPoint(entries, d.mntDir(id)) {
		return fmt.Errorf("%s is still mounted (not by this driver's Get; unmount it): %w", d.mntDir(id), graphdriver.ErrBusy)
	}
	return os.Rename(d.diffDir(id), d.diffDir(id+removingSuffix))
}

// purgeMnt removes mnt/<id> the way Docker does: renamed aside first.
func (d *Driver) purgeMnt(id string) error {
	aside := d.mntDir(id + removingSuffix)
	if err := os.Rename(d.mntDir(id), aside); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	return d.purge(aside)
}

// purge deletes dir, a layer renamed aside or a temporary one, after
// checking that nothing is mounted on or below it: RemoveAll through a
// mount would delete the contents of the layers mounted there.
func (d *Driver) purge(dir string) error {
	entries, err := mountinfo.Read()
	if err != nil {
		return err
	}
	if mountinfo.IsMountPoint(entries, dir) {
		return fmt.Errorf("%s is mounted: %w", dir, graphdriver.ErrBusy)
	}
	if busy := mountinfo.Under(entries, dir); len(busy) > 0 {
		return fmt.Errorf("%s: %s is mounted: %w", dir, busy[0].Point, graphdriver.ErrBusy)
	}
	return os.RemoveAll(dir)
}
