package aufs

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/layerdiff"
)

// Driver is the aufs backend. It is safe for use from many goroutines.
type Driver struct {
	s      *layers.Store[struct{}] // home, id map, per-id locks, layer table
	mnt    mounter
	fsName string

	views *layers.Views[struct{}, view] // layers held by Get: what Get mounted
	diff  layerdiff.Differ              // Changes, Diff, DiffSize: the upper walk, else both views
	apply *layers.Applier[struct{}]     // ApplyDiff: straight into the diff dir
}

// layer is a copy of what the table knows of one layer.
type layer = layers.Layer[struct{}]

// view is a layer's merged view while Get references it: mounted at
// mnt/<id>, read-write (over the layer's diff dir) or read-only.
type view struct {
	rw bool
}

// String returns "aufs".
func (d *Driver) String() string { return Name }

// Status reports how views are mounted, the backing filesystem and the
// number of layers.
func (d *Driver) Status() [][2]string {
	return [][2]string{
		{"Root Dir", d.s.Home},
		{"Backing Filesystem", d.fsName},
		{"Mounted With", d.mnt.String()},
		{"Dirs", strconv.Itoa(d.s.Table.Len())},
	}
}

// GetMetadata returns the layer's diff dir, its mount point and its
// parent ("" for a base layer).
func (d *Driver) GetMetadata(id string) (map[string]string, error) {
	l, err := d.s.Table.Lookup("metadata", id)
	if err != nil {
		return nil, err
	}
	return map[string]string{"DiffDir": d.diffDir(id), "MountDir": d.mntDir(id), "Parent": l.Parent}, nil
}

// Exists reports whether layer id exists.
func (d *Driver) Exists(id string) bool { return d.s.Exists(id) }

// Cleanup unmounts every view this driver mounted and forgets the
// references; layers stay. Mounts of others are left alone.
func (d *Driver) Cleanup() error {
	if err := d.views.Cleanup(); err != nil {
		return fmt.Errorf("aufs: cleanup %s: %w", d.s.Home, err)
	}
	return nil
}

func (d *Driver) diffRoot() string            { return filepath.Join(d.s.Home, diffName) }
func (d *Driver) diffDir(id string) string    { return filepath.Join(d.s.Home, diffName, id) }
func (d *Driver) layersFile(id string) string { return filepath.Join(d.s.Home, layersName, id) }
func (d *Driver) mntDir(id string) string     { return filepath.Join(d.s.Home, mntName, id) }
func (d *Driver) workDir(id string) string    { return filepath.Join(d.s.Home, workName, id) }

// Layers returns every ready layer of the store with its parent ("" for
// a base layer): what a migration to another backend copies.
func (d *Driver) Layers() map[string]string {
	out := map[string]string{}
	for _, id := range d.s.Table.IDs() {
		if l, err := d.s.Table.Lookup("layers", id); err == nil {
			out[id] = l.Parent
		}
	}
	return out
}
