package aufs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/internal/fsprobe"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/internal/mount"
	"github.com/layerfs/graphdriver/internal/upperdiff"
	"github.com/layerfs/graphdriver/layerdiff"
	"github.com/layerfs/graphdriver/whiteout"
)

func newDriver(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	mnt, err := probe(opts)
	if err != nil {
		return nil, err
	}
	d := &Driver{s: layers.NewStore[struct{}](Name, home, idMap), mnt: mnt}
	d.views = &layers.Views[struct{}, view]{Table: d.s.Table, Locks: &d.s.Locks, Mount: d.mountView, Unmount: d.unmountView}
	d.diff = layerdiff.Differ{Backend: Name, IDMap: idMap, Native: upperdiff.Native(d.upperDir), Views: layerdiff.MountedViews(d, d.s.Table.DiffParent)}
	d.apply = &layers.Applier[struct{}]{Store: d.s, RemoveLocked: d.removeLocked,
		Prepare: layers.IntoDir[struct{}](d, d.diffDir, func() archive.ApplyOptions {
			return archive.ApplyOptions{Whiteouts: whiteout.AUFS, IDMap: idMap}
		})}
	if d.s.RootUID, d.s.RootGID, err = idMap.RootPair(); err != nil {
		return nil, fmt.Errorf("aufs: id map: root %w", err)
	}
	if d.s.Home, err = filepath.Abs(home); err != nil {
		return nil, fmt.Errorf("aufs: open %s: %w", home, err)
	}
	dirs := []string{filepath.Join(d.s.Home, diffName), filepath.Join(d.s.Home, layersName),
		filepath.Join(d.s.Home, mntName), filepath.Join(d.s.Home, workName)}
	if d.s.Home, err = layers.MakeRealHome(Name, d.s.Home, d.s.RootGID, dirs...); err != nil {
		return nil, err
	}
	d.fsName, _ = fsprobe.BackingFS(d.s.Home)
	if err := d.load(); err != nil {
		return nil, err
	}
	return d, nil
}

// load reads the store into memory and reconciles what a crash left.
// Mounts under home belong to a previous process that did not Put them:
// nothing of ours references them, so they are unmounted rather than
// adopted (a runtime that restarts asks for its views again with Get),
// and what a mount program wrote through them is normalized. Then
// temporary and removed layers are purged, as Docker purges
// <id>-removing dirs, and the layers are read from diff/ and layers/.
func (d *Driver) load() error {
	stale, err := d.unmountStale()
	if err != nil {
		return fmt.Errorf("aufs: open %s: unmount stale views: %w", d.s.Home, err)
	}
	if err := d.purgeLeftovers(); err != nil {
		return fmt.Errorf("aufs: open %s: %w", d.s.Home, err)
	}
	entries, err := os.ReadDir(d.diffRoot())
	if err != nil {
		return fmt.Errorf("aufs: open %s: %w", d.s.Home, err)
	}
	for _, e := range entries {
		if !e.IsDir() || graphdriver.ValidateID(e.Name()) != nil {
			continue // not a layer; leave it alone
		}
		if err := d.loadLayer(e.Name()); err != nil {
			return fmt.Errorf("aufs: open %s: layer %s: %w", d.s.Home, e.Name(), err)
		}
	}
	if err := d.checkParents(); err != nil {
		return fmt.Errorf("aufs: open %s: %w", d.s.Home, err)
	}
	d.s.Table.CountChildren()
	for _, id := range stale {
		if d.mnt.overlayMarkers() && d.Exists(id) {
			if err := normalize(d.diffDir(id)); err != nil {
				return fmt.Errorf("aufs: open %s: layer %s: %w", d.s.Home, id, err)
			}
		}
	}
	return nil
}

// unmountStale unmounts everything mounted below home, deepest first,
// and returns the ids whose mnt/<id> was mounted.
func (d *Driver) unmountStale() ([]string, error) {
	entries, err := mount.Read()
	if err != nil {
		return nil, err
	}
	var ids []string
	var errs []error
	for _, e := range mount.Under(entries, d.s.Home) {
		errs = append(errs, mount.Unmount(e.Point))
		if filepath.Dir(e.Point) == filepath.Join(d.s.Home, mntName) {
			ids = append(ids, filepath.Base(e.Point))
		}
	}
	return ids, errors.Join(errs...)
}

// purgeLeftovers deletes what a crashed Create or Remove left: temporary
// names, <id>-removing dirs, layers files without a diff dir, and the
// work dirs of views (none is mounted now).
func (d *Driver) purgeLeftovers() error {
	for _, sub := range []string{diffName, mntName, workName, layersName} {
		entries, err := os.ReadDir(filepath.Join(d.s.Home, sub))
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			if !leftover(sub, name, d.hasDiff) {
				continue
			}
			if err := layers.Purge(filepath.Join(d.s.Home, sub, name)); err != nil {
				return fmt.Errorf("purge %s/%s: %w", sub, name, err)
			}
		}
	}
	return nil
}

func (d *Driver) hasDiff(id string) bool {
	fi, err := os.Stat(d.diffDir(id))
	return err == nil && fi.IsDir()
}

// loadLayer records layer id with the parent its layers file names (a
// layer without one is a base layer).
func (d *Driver) loadLayer(id string) error {
	b, err := os.ReadFile(d.layersFile(id))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	ancestors, err := parseLayers(string(b))
	if err != nil {
		return err
	}
	parent := ""
	if len(ancestors) > 0 {
		parent = ancestors[0]
	}
	d.s.Table.Load(id, parent, struct{}{})
	return nil
}

// checkParents fails when a layer's parent is missing: its view cannot be
// made, and removing the layer is the caller's call, not ours.
func (d *Driver) checkParents() error {
	for _, id := range d.s.Table.IDs() {
		l, _ := d.s.Table.Lookup("open", id)
		if l.Parent != "" && !d.Exists(l.Parent) {
			return fmt.Errorf("layer %s: parent %s has no diff dir: %w", id, l.Parent, graphdriver.ErrInvalidLayer)
		}
	}
	return nil
}
