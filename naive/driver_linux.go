package naive

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/layerdiff"
)

// Driver is the naive backend: layers stored as AUFS-form diffs, views
// composed in user space. It is safe for use from many goroutines.
type Driver struct {
	s  *layers.Store[layerInfo] // home, id map, per-id locks, layer table
	cp layers.Copying           // the copier and what Status shows of the filesystem

	dirs *layers.DirStore[layerInfo, meta] // diff/<id> dirs and meta/<id>.json records
	diff layerdiff.Differ                  // Changes, and Diff against another layer: link farms

	// diffsMu orders the rewrite of a layer's diff (the commit of a Put
	// or an ApplyDiff) with what reads other layers' diffs: Create of a
	// child and every compose hold it for reading, the commit for
	// writing, so a layer that gains a child is never rewritten after.
	diffsMu sync.RWMutex

	viewsMu sync.Mutex
	views   map[string]int // Get references per layer with a composed view

	farmBuildMu sync.Mutex        // one kept farm built at a time
	farmsMu     sync.Mutex        // guards farms
	farms       map[string]string // kept link farms of parents (see parentFarm)
}

// layer is a copy of what the table knows of one layer.
type layer = layers.Layer[layerInfo]

// layerInfo is what naive keeps per layer beside its parent.
type layerInfo struct {
	ReadWrite bool
}

// String returns "naive".
func (d *Driver) String() string { return Name }

// Status reports the backing filesystem, whether views are reflinked,
// the number of layers and of composed views.
func (d *Driver) Status() [][2]string {
	d.viewsMu.Lock()
	views := len(d.views)
	d.viewsMu.Unlock()
	return append(d.cp.Status(d.s.Table.Len()), [2]string{"Views", strconv.Itoa(views)})
}

// GetMetadata returns the layer's diff directory, its view's path (which
// exists only while Get holds it), its parent and its kind.
func (d *Driver) GetMetadata(id string) (map[string]string, error) {
	l, err := d.s.Table.Lookup("metadata", id)
	if err != nil {
		return nil, err
	}
	kind := "read-only"
	if l.Meta.ReadWrite {
		kind = "read-write"
	}
	return map[string]string{"DiffDir": d.diffDir(id), "MergedDir": d.viewDir(id), "Parent": l.Parent, "Kind": kind}, nil
}

// Exists reports whether layer id exists.
func (d *Driver) Exists(id string) bool { return d.s.Exists(id) }

// Cleanup settles every view still held as its last Put would (a
// read-write layer without children keeps what was written into it) and
// discards it, the counterpart of the unmounts of a mounting backend.
// The driver must not be used afterwards.
func (d *Driver) Cleanup() error {
	d.viewsMu.Lock()
	ids := make([]string, 0, len(d.views))
	for id := range d.views {
		ids = append(ids, id)
	}
	d.viewsMu.Unlock()
	var errs []error
	for _, id := range ids {
		for n := d.mounted(id); n > 0; n-- {
			if err := d.Put(id); err != nil {
				errs = append(errs, fmt.Errorf("naive: cleanup: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

func (d *Driver) diffsDir() string { return filepath.Join(d.s.Home, "diff") }

func (d *Driver) metaDir() string { return filepath.Join(d.s.Home, "meta") }

func (d *Driver) viewsDir() string { return filepath.Join(d.s.Home, "views") }

func (d *Driver) diffDir(id string) string { return filepath.Join(d.diffsDir(), id) }

func (d *Driver) viewDir(id string) string { return filepath.Join(d.viewsDir(), id) }

// chain returns the diff directories of id and its ancestors, id first.
func (d *Driver) chain(id string) []string {
	ids := append([]string{id}, d.s.Table.Ancestors(id)...)
	dirs := make([]string, len(ids))
	for i, a := range ids {
		dirs[i] = d.diffDir(a)
	}
	return dirs
}
