package aufs

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
)

// Create makes read-only layer id on top of parent: an empty diff dir, a
// layers file naming its ancestors and a mount point. Nothing is copied.
func (d *Driver) Create(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.create(id, parent, opts)
}

// CreateReadWrite makes container layer id; aufs stores both kinds
// alike, as Docker's aufs driver does. See Create.
func (d *Driver) CreateReadWrite(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.create(id, parent, opts)
}

func (d *Driver) create(id, parent string, opts *graphdriver.CreateOpts) error {
	if strings.HasSuffix(id, removingSuffix) {
		return fmt.Errorf("aufs: create %s: %w: the suffix %s marks a layer being removed (Docker purges such dirs)",
			id, graphdriver.ErrInvalidID, removingSuffix)
	}
	return d.s.Create(id, parent, opts, "aufs has no per-layer quota", func() error { return d.createLocked(id, parent) })
}

// createLocked is create with id's lock held.
func (d *Driver) createLocked(id, parent string) (retErr error) {
	if err := d.s.Table.Reserve(id, parent, struct{}{}); err != nil {
		return err
	}
	defer func() {
		if retErr != nil {
			retErr = errors.Join(retErr, layers.RemoveIfExists(d.tmpLayersFile(id)), layers.RemoveTree(d.tmpDiffDir(id)),
				layers.RemoveIfExists(d.mntDir(id)))
			d.s.Table.Release(id)
		}
	}()
	ancestors := d.s.Table.Ancestors(id)
	if err := d.build(id, ancestors); err != nil {
		return fmt.Errorf("aufs: create %s: %w", id, err)
	}
	d.s.Table.SetReady(id, true)
	return nil
}

// build writes the layer in Docker's layout through temporary names: the
// layers file goes into place first, then the diff dir, whose rename is
// the commit point. A reopen purges a layers file without a diff dir and
// temporary names.
func (d *Driver) build(id string, ancestors []string) error {
	if err := os.WriteFile(d.tmpLayersFile(id), []byte(formatLayers(ancestors)), 0o644); err != nil {
		return err
	}
	if err := layers.RemoveTree(d.tmpDiffDir(id)); err != nil { // a crashed create's
		return err
	}
	if err := layers.MkdirOwned(d.tmpDiffDir(id), 0o755, d.s.RootUID, d.s.RootGID); err != nil {
		return err
	}
	if err := layers.MkdirOwned(d.mntDir(id), 0o755, d.s.RootUID, d.s.RootGID); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if err := os.Rename(d.tmpLayersFile(id), d.layersFile(id)); err != nil {
		return err
	}
	if err := os.Rename(d.tmpDiffDir(id), d.diffDir(id)); err != nil {
		return errors.Join(err, layers.RemoveIfExists(d.layersFile(id)))
	}
	return nil
}

func (d *Driver) tmpLayersFile(id string) string { return d.layersFile(tmpPrefix + id) }
func (d *Driver) tmpDiffDir(id string) string    { return d.diffDir(tmpPrefix + id) }
