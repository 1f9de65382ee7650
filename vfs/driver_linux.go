package vfs

import (
	"path/filepath"

	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/layerdiff"
)

// Driver is the vfs backend. It is safe for use from many goroutines.
type Driver struct {
	s  *layers.Store[layerInfo] // home, id map, per-id locks, layer table
	cp layers.Copying           // the copier and what Status shows of the filesystem

	dirs  *layers.DirStore[layerInfo, meta] // dir/<id> trees and meta/<id>.json records
	diff  layerdiff.Differ                  // Changes, Diff, DiffSize: a walk of both trees
	apply *layers.Applier[layerInfo]        // ApplyDiff: staged, then merged onto the tree
}

// layer is a copy of what the table knows of one layer.
type layer = layers.Layer[layerInfo]

// layerInfo is what vfs keeps per layer beside its parent.
type layerInfo struct {
	ReadWrite bool
	Imported  bool // no metadata of ours (a Docker-made store): parent unknown
}

// String returns "vfs".
func (d *Driver) String() string { return Name }

// Status reports the backing filesystem, whether copies are reflinked and
// the number of layers.
func (d *Driver) Status() [][2]string {
	return d.cp.Status(d.s.Table.Len())
}

// GetMetadata returns the layer's directory, its parent and its kind.
func (d *Driver) GetMetadata(id string) (map[string]string, error) {
	l, err := d.s.Table.Lookup("metadata", id)
	if err != nil {
		return nil, err
	}
	kind := "read-only"
	if l.Meta.ReadWrite {
		kind = "read-write"
	}
	return map[string]string{"Dir": d.layerDir(id), "Parent": l.Parent, "Kind": kind}, nil
}

// Exists reports whether layer id exists.
func (d *Driver) Exists(id string) bool { return d.s.Exists(id) }

// Cleanup releases the driver. vfs mounts nothing, so there is nothing to
// unmount; layers and references stay as they are.
func (d *Driver) Cleanup() error { return nil }

func (d *Driver) layersDir() string { return filepath.Join(d.s.Home, "dir") }

func (d *Driver) metaDir() string { return filepath.Join(d.s.Home, "meta") }

func (d *Driver) layerDir(id string) string { return filepath.Join(d.layersDir(), id) }
