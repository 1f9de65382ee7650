package overlay2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/internal/mount"
)

// Remove deletes layer id: it checks that nothing is mounted on its
// merged dir, renames the layer aside (the commit point), removes its
// l/ link, then deletes it, so a crash never leaves a half-deleted layer.
func (d *Driver) Remove(id string) error {
	return d.s.Locked("remove", id, func() error { return d.removeLocked(id, false) })
}

// removeLocked is Remove with id's lock held; inFlight is for undoing a
// Create whose layer is not ready yet.
func (d *Driver) removeLocked(id string, inFlight bool) error {
	return d.s.Table.Remove(id, layers.Removal[layerInfo]{
		InFlight: inFlight,
		Aside:    func(layer) error { return d.renameAside(id) },
		Release:  d.release,
		Purge: func(l layer) error {
			return errors.Join(layers.RemoveIfExists(filepath.Join(d.s.Home, linkDir, l.Meta.link)),
				layers.Purge(filepath.Join(d.s.Home, ".removing-"+id)))
		},
	})
}

// renameAside moves the layer to .removing-<id> unless something is
// mounted on its merged dir (a leaked mount: unmount it first).
func (d *Driver) renameAside(id string) error {
	mounted, err := mount.IsMounted(d.mergedDir(id))
	if err != nil {
		return fmt.Errorf("read mount table: %w", err)
	}
	if mounted {
		return fmt.Errorf("%s is still mounted (not by this driver's Get; unmount it): %w", d.mergedDir(id), graphdriver.ErrBusy)
	}
	return os.Rename(d.layerDir(id), filepath.Join(d.s.Home, ".removing-"+id))
}
