package naive

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/layerdiff"
)

func newDriver(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	d := &Driver{s: layers.NewStore[layerInfo](Name, home, idMap), views: make(map[string]int), farms: make(map[string]string)}
	d.dirs = &layers.DirStore[layerInfo, meta]{Table: d.s.Table, Dir: d.diffsDir(),
		Meta: layers.MetaFiles[meta]{Dir: d.metaDir()}}
	d.diff = layerdiff.Differ{Backend: Name, IDMap: idMap, Views: d.holdViews}
	var err error
	if d.cp, err = layers.OpenCopying(d.s, opts, d.diffsDir(), d.metaDir()); err != nil {
		return nil, err
	}
	if err := d.makeViewsDir(); err != nil {
		return nil, err
	}
	if err := d.load(); err != nil {
		return nil, err
	}
	return d, nil
}

// makeViewsDir makes views/ private (0700): the views hold copies of
// setuid binaries. Whatever it held is a leftover of an earlier process.
func (d *Driver) makeViewsDir() error {
	if err := layers.RemoveTree(d.viewsDir()); err != nil {
		return fmt.Errorf("naive: open %s: purge views: %w", d.s.Home, err)
	}
	if err := os.Mkdir(d.viewsDir(), 0o700); err != nil {
		return fmt.Errorf("naive: open %s: %w", d.s.Home, err)
	}
	return nil
}

// meta is what naive records of a layer beside its diff, in
// meta/<id>.json.
type meta struct {
	Parent    string `json:"parent,omitempty"`
	ReadWrite bool   `json:"rw,omitempty"`
}

// Prefixes of the temporary siblings in diff/ (see the package doc).
const (
	tmpPrefix      = layers.TmpPrefix      // a Create in progress
	removingPrefix = layers.RemovingPrefix // a Remove past its commit
	foldPrefix     = ".fold-"              // a new diff being built, or the old one after the swap
	oldPrefix      = ".old-"               // the old diff during a swap without RENAME_EXCHANGE
)

// leftover says what open does with the entry name of diff/.
type leftover int

const (
	keepLayer   leftover = iota // a layer's diff
	purge                       // a temporary sibling: delete it
	restoreOld                  // an old diff set aside by an unfinished swap: put it back
	ignoreEntry                 // not ours
)

// classify decides what open does with the entry name of diff/; present
// reports whether diff/<id> exists for an id.
func classify(name string, isDir bool, present func(id string) bool) leftover {
	if id, ok := strings.CutPrefix(name, oldPrefix); ok {
		if graphdriver.ValidateID(id) == nil && !present(id) {
			return restoreOld
		}
		return purge
	}
	for _, p := range []string{tmpPrefix, removingPrefix, foldPrefix} {
		if strings.HasPrefix(name, p) {
			return purge
		}
	}
	if !isDir || graphdriver.ValidateID(name) != nil {
		return ignoreEntry
	}
	return keepLayer
}

// load reads the store into memory and reconciles what a crash left.
func (d *Driver) load() error {
	entries, err := os.ReadDir(d.diffsDir())
	if err != nil {
		return fmt.Errorf("naive: open %s: %w", d.s.Home, err)
	}
	present := func(id string) bool {
		_, err := os.Lstat(d.diffDir(id))
		return err == nil
	}
	for _, e := range entries {
		name := e.Name()
		switch classify(name, e.IsDir(), present) {
		case restoreOld:
			id := strings.TrimPrefix(name, oldPrefix)
			if err := os.Rename(filepath.Join(d.diffsDir(), name), d.diffDir(id)); err != nil {
				return fmt.Errorf("naive: open %s: restore the diff of %s: %w", d.s.Home, id, err)
			}
			name = id
		case purge:
			if err := layers.Purge(filepath.Join(d.diffsDir(), name)); err != nil {
				return fmt.Errorf("naive: open %s: purge %s: %w", d.s.Home, name, err)
			}
			continue
		case ignoreEntry:
			continue
		}
		m, _, err := d.dirs.Meta.Read(name) // none (naive always writes one): read-only, no parent
		if err != nil {
			return fmt.Errorf("naive: open %s: layer %s: %w", d.s.Home, name, err)
		}
		d.s.Table.Load(name, m.Parent, layerInfo{ReadWrite: m.ReadWrite})
	}
	d.s.Table.CountChildren()
	if err := d.dirs.Meta.PurgeOrphans(d.Exists); err != nil {
		return fmt.Errorf("naive: open %s: %w", d.s.Home, err)
	}
	return nil
}

// supported: naive needs nothing beyond Linux itself.
func supported() error { return nil }
