package naive

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerfs/graphdriver"
)

// meta is what naive records of a layer beside its diff, in
// meta/<id>.json.
type meta struct {
	Parent    string `json:"parent,omitempty"`
	ReadWrite bool   `json:"rw,omitempty"`
}

// Prefixes of the temporary siblings in diff/ (see the package doc).
const (
	tmpPrefix      = ".tmp-"      // a Create in progress
	removingPrefix = ".removing-" // a Remove past its commit
	foldPrefix     = ".fold-"     // a new diff being built, or the old one after the swap
	oldPrefix      = ".old-"      // the old diff during a swap without RENAME_EXCHANGE
)

func (d *Driver) metaPath(id string) string {
	return filepath.Join(d.metaDir(), id+".json")
}

// writeMeta writes the metadata of id atomically: to a temporary file,
// synced, then renamed into place.
func (d *Driver) writeMeta(id string, m meta) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := d.metaPath(id) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return os.Rename(tmp, d.metaPath(id))
}

func (d *Driver) removeMeta(id string) error {
	err := os.Remove(d.metaPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// readMeta reads the metadata of id; a diff without any (which naive
// never writes) is taken as a read-only layer without a parent.
func (d *Driver) readMeta(id string) (meta, error) {
	var m meta
	data, err := os.ReadFile(d.metaPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s: %w", d.metaPath(id), err)
	}
	return m, nil
}

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
		return fmt.Errorf("naive: open %s: %w", d.home, err)
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
				return fmt.Errorf("naive: open %s: restore the diff of %s: %w", d.home, id, err)
			}
			name = id
		case purge:
			if err := removeTree(filepath.Join(d.diffsDir(), name)); err != nil {
				return fmt.Errorf("naive: open %s: purge %s: %w", d.home, name, err)
			}
			continue
		case ignoreEntry:
			continue
		}
		m, err := d.readMeta(name)
		if err != nil {
			return fmt.Errorf("naive: open %s: layer %s: %w", d.home, name, err)
		}
		d.table.Load(name, m.Parent, layerInfo{ReadWrite: m.ReadWrite})
	}
	d.table.CountChildren()
	return d.purgeOrphanMeta()
}

// purgeOrphanMeta deletes metadata files whose layer is gone: a create
// that crashed before its commit, or a remove that crashed after its.
func (d *Driver) purgeOrphanMeta() error {
	entries, err := os.ReadDir(d.metaDir())
	if err != nil {
		return fmt.Errorf("naive: open %s: %w", d.home, err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if _, err := d.table.Lookup("open", id); ok && err == nil {
			continue
		}
		if err := os.Remove(filepath.Join(d.metaDir(), e.Name())); err != nil {
			return fmt.Errorf("naive: open %s: purge %s: %w", d.home, e.Name(), err)
		}
	}
	return nil
}
