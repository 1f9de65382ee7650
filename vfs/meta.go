package vfs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerfs/graphdriver"
)

// meta is what vfs records of a layer beside its tree, in meta/<id>.json.
// A layer directory without one (a store written by Docker's vfs) is a
// read-only layer whose parent is unknown, treated as "".
type meta struct {
	Parent    string `json:"parent,omitempty"`
	ReadWrite bool   `json:"rw,omitempty"`
}

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

// readMeta reads the metadata of id; found is false for a layer without
// any (made by Docker's vfs).
func (d *Driver) readMeta(id string) (m meta, found bool, err error) {
	data, err := os.ReadFile(d.metaPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, false, fmt.Errorf("%s: %w", d.metaPath(id), err)
	}
	return m, true, nil
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
		if strings.HasPrefix(name, ".tmp-") || strings.HasPrefix(name, ".removing-") {
			if err := os.RemoveAll(filepath.Join(d.layersDir(), name)); err != nil {
				return fmt.Errorf("vfs: open %s: purge %s: %w", d.home, name, err)
			}
			continue
		}
		if !e.IsDir() || graphdriver.ValidateID(name) != nil {
			continue // not a layer of ours; leave it alone
		}
		m, found, err := d.readMeta(name)
		if err != nil {
			return fmt.Errorf("vfs: open %s: layer %s: %w", d.home, name, err)
		}
		d.table.Load(name, m.Parent, layerInfo{ReadWrite: m.ReadWrite, Imported: !found})
	}
	d.table.CountChildren()
	return d.purgeOrphanMeta()
}

// purgeOrphanMeta deletes metadata files whose layer is gone: a create
// that crashed before its commit, or a remove that crashed after its.
func (d *Driver) purgeOrphanMeta() error {
	entries, err := os.ReadDir(d.metaDir())
	if err != nil {
		return fmt.Errorf("vfs: open %s: %w", d.home, err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if _, err := d.table.Lookup("open", id); ok && err == nil {
			continue
		}
		if err := os.Remove(filepath.Join(d.metaDir(), e.Name())); err != nil {
			return fmt.Errorf("vfs: open %s: purge %s: %w", d.home, e.Name(), err)
		}
	}
	return nil
}
