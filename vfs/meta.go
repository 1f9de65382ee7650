package vfs

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
)

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
			if err := os.RemoveAll(filepath.Join(d.layersDir(), name)); err != nil {
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
