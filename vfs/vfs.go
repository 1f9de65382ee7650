package vfs

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/fsprobe"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/internal/locker"
	"github.com/layerfs/graphdriver/internal/options"
)

// Name is the name vfs registers under.
const Name = "vfs"

func init() {
	graphdriver.Register(Name, func(home string, opts []string, idMap graphdriver.IDMap) (graphdriver.Driver, error) {
		return New(home, opts, idMap)
	})
}

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

// layerInfo is what vfs keeps per layer beside its parent.
type layerInfo struct {
	ReadWrite bool
	Imported  bool // no metadata of ours (a Docker-made store): parent unknown
}

// Supported returns nil when vfs can keep a store under home on this
// machine, and an error wrapping graphdriver.ErrNotSupported saying why
// otherwise. It writes nothing.
func Supported(home string) error {
	return supported()
}

// New opens the vfs store under home, creating it if needed. Half-made
// and half-removed layers left by a crash are purged. Recognized options:
// "vfs.xattrs=strict|skip-unsupported" (what to do when the filesystem
// refuses an xattr while copying a parent; default strict).
func New(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	if err := supported(); err != nil {
		return nil, err
	}
	parsed, err := options.Parse(Name, opts, "xattrs")
	if err != nil {
		return nil, err
	}
	d := &Driver{home: home, idMap: idMap, table: layers.NewTable[layerInfo](Name)}
	d.dirs = &layers.DirStore[layerInfo, meta]{Table: d.table, Dir: d.layersDir(),
		Meta: layers.MetaFiles[meta]{Dir: d.metaDir()}, RemoveTree: os.RemoveAll}
	copyOpts, err := layers.CopyOptions(Name, parsed)
	if err != nil {
		return nil, err
	}
	d.copier = cow.NewCopier(copyOpts)
	if d.rootUID, d.rootGID, err = layers.RootPair(Name, idMap); err != nil {
		return nil, err
	}
	if err := layers.MakeHome(Name, home, d.rootGID, d.layersDir(), d.metaDir()); err != nil {
		return nil, err
	}
	if err := d.load(); err != nil {
		return nil, err
	}
	d.fsName, _ = fsprobe.BackingFS(home)
	d.reflink, _ = cow.ReflinkSupported(home)
	return d, nil
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

func (d *Driver) layersDir() string         { return filepath.Join(d.home, "dir") }
func (d *Driver) metaDir() string           { return filepath.Join(d.home, "meta") }
func (d *Driver) layerDir(id string) string { return filepath.Join(d.layersDir(), id) }
