package vfs

import (
	"path/filepath"
	"strconv"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/internal/locker"
)

// Driver is the vfs backend. It is safe for use from many goroutines.
type Driver struct {
	home    string
	idMap   graphdriver.IDMap
	rootUID int
	rootGID int
	copier  *cow.Copier // shared, so a copy method that fails here is not retried per layer
	fsName  string
	reflink bool

	locks locker.Locker                     // one per layer id, taken first by every method
	table *layers.Table[layerInfo]          // every layer, ready or in flight, and its references
	dirs  *layers.DirStore[layerInfo, meta] // dir/<id> trees and meta/<id>.json records
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
	n := d.table.Len()
	return [][2]string{
		{"Backing Filesystem", d.fsName},
		{"Reflink", strconv.FormatBool(d.reflink)},
		{"Layers", strconv.Itoa(n)},
	}
}

// GetMetadata returns the layer's directory, its parent and its kind.
func (d *Driver) GetMetadata(id string) (map[string]string, error) {
	l, err := d.table.Lookup("metadata", id)
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
func (d *Driver) Exists(id string) bool {
	return d.table.Exists(id)
}

// Cleanup releases the driver. vfs mounts nothing, so there is nothing to
// unmount; layers and references stay as they are.
func (d *Driver) Cleanup() error { return nil }

func (d *Driver) layersDir() string { return filepath.Join(d.home, "dir") }

func (d *Driver) metaDir() string { return filepath.Join(d.home, "meta") }

func (d *Driver) layerDir(id string) string { return filepath.Join(d.layersDir(), id) }
