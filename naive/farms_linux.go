package naive

import (
	"path/filepath"

	"github.com/layerfs/graphdriver/internal/layers"
)

// Link farms of parents are kept: the farm of a layer's chain is valid
// as long as its diff and its ancestors' are unchanged, and a layer with
// children is never rewritten (its children are built on it). So the
// farm the Put of a read-write child needs is built once, kept in
// views/.farm-<parent> and shared by every later fold of its children,
// and dropped when the parent is removed or, should it lose its children
// and be rewritten, at the swap. A farm costs directory entries and
// directories, no file data. Opening a store purges them with views/.
// Only folds keep farms: an image of many layers applied one by one
// would otherwise keep a farm of every layer but the top.

// parentFarm returns a link farm of parent's chain for the fold of one
// of its children, which keeps parent from being rewritten or removed
// while it is used: the kept one, or one built now (built reports it),
// which the caller drops if its operation fails, so a failed operation
// leaves no trace in the home.
func (d *Driver) parentFarm(parent string) (dir string, built bool, err error) {
	d.farmBuildMu.Lock()
	defer d.farmBuildMu.Unlock()
	if dir, ok := d.keptFarm(parent); ok {
		return dir, false, nil
	}
	dir = filepath.Join(d.viewsDir(), ".farm-"+parent)
	if err := layers.RemoveTree(dir); err != nil { // a farm dropped but not deleted
		return "", false, err
	}
	c := &composer{copier: d.cp.Copier, farm: true}
	// Built and recorded under one read lock: a swap of parent's diff
	// (which drops its farm) comes wholly before or after.
	d.diffsMu.RLock()
	defer d.diffsMu.RUnlock()
	if err := c.compose(dir, d.chain(parent)); err != nil {
		return "", false, err
	}
	d.farmsMu.Lock()
	d.farms[parent] = dir
	d.farmsMu.Unlock()
	return dir, true, nil
}

// farmOf returns a link farm of id's chain for one operation that keeps
// id from being rewritten while it runs: the kept one if there is one,
// else one made in work (which the caller deletes). Unlike parentFarm it
// keeps nothing: ApplyDiff and the checks of Put happen once per layer,
// where the folds of a container layer happen again and again.
func (d *Driver) farmOf(id, work string) (string, error) {
	if dir, ok := d.keptFarm(id); ok {
		return dir, nil
	}
	dir := filepath.Join(work, "farm")
	return dir, d.compose(dir, d.chain(id), &composer{farm: true})
}

func (d *Driver) keptFarm(id string) (string, bool) {
	d.farmsMu.Lock()
	defer d.farmsMu.Unlock()
	dir, ok := d.farms[id]
	return dir, ok
}

// dropFarm forgets the kept farm of id, if any, and deletes it.
func (d *Driver) dropFarm(id string) {
	d.farmsMu.Lock()
	dir, ok := d.farms[id]
	delete(d.farms, id)
	d.farmsMu.Unlock()
	if ok {
		_ = layers.RemoveTree(dir) // what fails stays for the next open to purge
	}
}
