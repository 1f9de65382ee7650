package naive

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/layerdiff"
)

// Get returns the path of layer id's merged view, composing it on the
// first call: the chain's diffs are walked top-down into views/<id>
// (reflinked where the filesystem can, copied otherwise). Later calls
// share it until the last Put. The first Get costs a copy of the merged
// tree; the others a map look-up.
func (d *Driver) Get(id, mountLabel string) (dir string, err error) {
	err = d.s.Locked("get", id, func() error { return d.hold(id) })
	if err != nil {
		return "", err
	}
	return d.viewDir(id), nil
}

// hold takes a reference to id's view, composing it if it is the first.
func (d *Driver) hold(id string) error {
	if _, err := d.s.Table.Hold("get", id); err != nil {
		return err
	}
	if d.mounted(id) == 0 {
		if err := d.compose(d.viewDir(id), d.chain(id), nil); err != nil {
			d.s.Table.Drop(id)
			return fmt.Errorf("naive: get %s: %w", id, err)
		}
	}
	d.viewsMu.Lock()
	d.views[id]++
	d.viewsMu.Unlock()
	return nil
}

// mounted returns the number of Get references on id's view.
func (d *Driver) mounted(id string) int {
	d.viewsMu.Lock()
	defer d.viewsMu.Unlock()
	return d.views[id]
}

// compose makes dst show the union of diffs (topmost first): a copy, or
// with farm set a link farm (see composer).
func (d *Driver) compose(dst string, diffs []string, farm *composer) error {
	c := farm
	if c == nil {
		c = &composer{}
	}
	c.copier = d.cp.Copier
	d.diffsMu.RLock()
	defer d.diffsMu.RUnlock()
	return c.compose(dst, diffs)
}

// Put releases a reference taken by Get. The last one settles the view
// and discards it. For a read-write layer without children, whatever
// changed in the view relative to the parent's composed state becomes
// the layer's new diff (see fold). For a read-only layer, or one with
// children, the view must not have changed: if it did, Put returns an
// error naming the changed paths and the layer keeps its diff. Either
// way the reference is gone. The last Put costs a link farm of the
// parent and a walk of both trees.
func (d *Driver) Put(id string) error {
	return d.s.Locked("put", id, func() error { return d.release(id) })
}

// release drops a reference to id's view; the last one settles it.
func (d *Driver) release(id string) error {
	l, err := d.s.Table.Lookup("put", id)
	if err != nil {
		return err
	}
	d.viewsMu.Lock()
	n := d.views[id]
	switch {
	case n == 0:
		d.viewsMu.Unlock()
		return fmt.Errorf("naive: put %s: %w", id, graphdriver.ErrNotMounted)
	case n == 1:
		delete(d.views, id)
	default:
		d.views[id] = n - 1
	}
	d.viewsMu.Unlock()
	d.s.Table.Drop(id)
	if n > 1 {
		return nil
	}
	err = errors.Join(d.settle(id, l.Parent, l.Meta.ReadWrite, l.Children), layers.RemoveTree(d.viewDir(id)))
	if err != nil {
		return fmt.Errorf("naive: put %s: %w", id, err)
	}
	return nil
}

// settle keeps what changed in id's view: a read-write layer without
// children folds it into its diff; any other layer checks that nothing
// changed.
func (d *Driver) settle(id, parent string, rw bool, children int) (err error) {
	if !rw || children > 0 {
		changes, err := d.viewChanges(id)
		if err != nil || len(changes) == 0 {
			return err
		}
		return unchangedError(rw, children, changes)
	}
	parentDir, built := "", false
	if parent != "" {
		if parentDir, built, err = d.parentFarm(parent); err != nil {
			return err
		}
	}
	defer func() {
		if err != nil && built {
			d.dropFarm(parent)
		}
	}()
	return d.rewrite(id, d.viewDir(id), parentDir, func(devIno) bool { return true })
}

// maxNamed caps the changed paths an error names.
const maxNamed = 20

// viewChanges lists what changed in id's view relative to the layer's
// own composed state (a link farm of its chain). The caller holds id's
// lock, so nothing rewrites id meanwhile.
func (d *Driver) viewChanges(id string) (changes []graphdriver.Change, err error) {
	work, err := os.MkdirTemp(d.viewsDir(), ".check-"+id+"-")
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, layers.RemoveTree(work)) }()
	self, err := d.farmOf(id, work)
	if err != nil {
		return nil, err
	}
	return layerdiff.Changes(d.viewDir(id), self)
}

// unchangedError names the changes a layer that cannot take them had in
// its view. For a read-write layer with children it wraps
// graphdriver.ErrHasChildren: its children are built on its diff.
func unchangedError(rw bool, children int, changes []graphdriver.Change) error {
	named := make([]string, 0, min(len(changes), maxNamed+1))
	for i, c := range changes {
		if i == maxNamed {
			named = append(named, fmt.Sprintf("and %d more", len(changes)-maxNamed))
			break
		}
		named = append(named, c.String())
	}
	list := strings.Join(named, ", ")
	if rw {
		return fmt.Errorf("changes in the view not kept (%s): %d children: %w", list, children, graphdriver.ErrHasChildren)
	}
	return fmt.Errorf("changes in the view of a read-only layer not kept: %s", list)
}
