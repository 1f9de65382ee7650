package vfs

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/layerdiff"
)

func newDriver(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	d := &Driver{s: layers.NewStore[layerInfo](Name, home, idMap)}
	d.dirs = &layers.DirStore[layerInfo, meta]{Table: d.s.Table, Dir: d.layersDir(),
		Meta: layers.MetaFiles[meta]{Dir: d.metaDir()}}
	d.diff = layerdiff.Differ{Backend: Name, IDMap: idMap, Views: d.holdPair}
	d.apply = &layers.Applier[layerInfo]{Store: d.s, RemoveLocked: d.removeLocked, Prepare: d.stageApply,
		AnyParent: func(l layer) bool { return l.Meta.Imported },
		Publish: func(id string, _ layer, stage string) error {
			return layerdiff.Merge(d.layerDir(id), stage, d.cp.Copier)
		}}
	var err error
	if d.cp, err = layers.OpenCopying(d.s, opts, d.layersDir(), d.metaDir()); err != nil {
		return nil, err
	}
	if err := d.load(); err != nil {
		return nil, err
	}
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
		return fmt.Errorf("vfs: open %s: %w", d.s.Home, err)
	}
	for _, e := range entries {
		name := e.Name()
		if layers.IsLeftover(name) {
			if err := layers.Purge(filepath.Join(d.layersDir(), name)); err != nil {
				return fmt.Errorf("vfs: open %s: purge %s: %w", d.s.Home, name, err)
			}
			continue
		}
		if !e.IsDir() || graphdriver.ValidateID(name) != nil {
			continue // not a layer of ours; leave it alone
		}
		m, found, err := d.dirs.Meta.Read(name)
		if err != nil {
			return fmt.Errorf("vfs: open %s: layer %s: %w", d.s.Home, name, err)
		}
		d.s.Table.Load(name, m.Parent, layerInfo{ReadWrite: m.ReadWrite, Imported: !found})
	}
	d.s.Table.CountChildren()
	if err := d.dirs.Meta.PurgeOrphans(d.Exists); err != nil {
		return fmt.Errorf("vfs: open %s: %w", d.s.Home, err)
	}
	return nil
}

// supported: vfs needs nothing beyond Linux itself.
func supported() error { return nil }
