package aufs

import (
	"errors"
	"fmt"
	"os"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/internal/mount"
)

// Remove deletes layer id: it checks that nothing is mounted on its
// mount point, renames diff/<id> to diff/<id>-removing (the commit
// point), removes layers/<id> and the mount point, then deletes the
// renamed dir, so a crash never leaves a half-deleted layer.
func (d *Driver) Remove(id string) error {
	return d.s.Locked("remove", id, func() error { return d.removeLocked(id) })
}

// removeLocked is Remove with id's lock held.
func (d *Driver) removeLocked(id string) error {
	return d.s.Table.Remove(id, layers.Removal[struct{}]{
		Aside: func(layer) error { return d.renameAside(id) },
		Purge: func(layer) error {
			return errors.Join(layers.RemoveIfExists(d.layersFile(id)), d.purgeMnt(id),
				layers.Purge(d.diffDir(id+removingSuffix)), layers.RemoveTree(d.workDir(id)))
		},
	})
}

// renameAside moves diff/<id> to diff/<id>-removing unless something is
// mounted on mnt/<id> (a leaked mount: unmount it first).
func (d *Driver) renameAside(id string) error {
	entries, err := mount.Read()
	if err != nil {
		return fmt.Errorf("read mount table: %w", err)
	}
	if mount.IsMountPoint(entries, d.mntDir(id)) {
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
	return layers.Purge(aside)
}
