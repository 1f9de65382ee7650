package vfs

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/fsprobe"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/internal/options"
)

func newDriver(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	parsed, err := options.Parse(Name, opts, "xattrs")
	if err != nil {
		return nil, err
	}
	d := &Driver{home: home, idMap: idMap, table: layers.NewTable[layerInfo](Name)}
	d.dirs = &layers.DirStore[layerInfo, meta]{Table: d.table, Dir: d.layersDir(),
		Meta: layers.MetaFiles[meta]{Dir: d.metaDir()}}
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

// meta is what vfs records of a layer beside its tree, in meta/<id>.json.
// A layer directory without one (a store written by Docker's vfs) is a
// read-only layer whose parent is unknown, treated as "".
type meta struct {
	Parent    string `json:"parent,omitempty"`
	ReadWrite bool   `json:"rw,omitempty"`
}

// load reads the store into memory and reconciles what a crash left:
// temporary and removed trees are deleted, metadata without a tree too.
func (d *Driver) load() error {
	entries, err := os.ReadDir(d.layersDir())
	if err != nil {
		return fmt.Errorf("vfs: open %s: %w", d.home, err)
	}
	for _, e := range entries {
		name := e.Name()
		if layers.IsLeftover(name) {
			if err := layers.Purge(filepath.Join(d.layersDir(), name)); err != nil {
				return fmt.Errorf("vfs: open %s: purge %s: %w", d.home, name, err)
			}
			continue
		}
		if !e.IsDir() || graphdriver.ValidateID(name) != nil {
			continue // not a layer of ours; leave it alone
		}
		m, found, err := d.dirs.Meta.Read(name)
		if err != nil {
			return fmt.Errorf("vfs: open %s: layer %s: %w", d.home, name, err)
		}
		d.table.Load(name, m.Parent, layerInfo{ReadWrite: m.ReadWrite, Imported: !found})
	}
	d.table.CountChildren()
	if err := d.dirs.Meta.PurgeOrphans(d.Exists); err != nil {
		return fmt.Errorf("vfs: open %s: %w", d.home, err)
	}
	return nil
}

// supported: vfs needs nothing beyond Linux itself.
func supported() error { return nil }
