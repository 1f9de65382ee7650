package naive

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/layerdiff"
)

// crashAt, when set (by tests only), is called at each step of a diff's
// commit; an error from it stops the commit on the spot, leaving the
// disk as a crash at that step would: no cleanup runs.
var crashAt func(step string) error

// errCrashed marks an error from crashAt on its way up: cleanups skip it.
type errCrashed struct{ error }

func (e errCrashed) Unwrap() error { return e.error }

func crashPoint(step string) error {
	if crashAt == nil {
		return nil
	}
	if err := crashAt(step); err != nil {
		return errCrashed{err}
	}
	return nil
}

func crashed(err error) bool {
	var c errCrashed
	return errors.As(err, &c)
}

// rewrite makes the canonical diff of the tree src against the tree
// parentDir ("" for an empty tree) the stored diff of id: Plan gives the
// entries (so the stored diff is exactly what Diff must return),
// materialize writes them in the AUFS form into a temporary sibling,
// and commit swaps it in. own says which inodes of src may be linked
// into the new diff rather than copied.
func (d *Driver) rewrite(id, src, parentDir string, own func(devIno) bool) (err error) {
	entries, err := layerdiff.Plan(src, parentDir)
	if err != nil {
		return err
	}
	next := filepath.Join(d.diffsDir(), foldPrefix+id)
	if err := layers.RemoveTree(next); err != nil { // a leftover of a failed put
		return err
	}
	defer func() {
		if err != nil && !crashed(err) {
			err = errors.Join(err, layers.RemoveTree(next))
		}
	}()
	if err := materialize(next, src, entries, own, d.cp.Copier); err != nil {
		return err
	}
	return d.commit(id, next)
}

// commit makes the complete diff next the diff of id. Until the swap
// the old diff is in place and next is a temporary sibling a reopen
// purges; after it, next holds the old diff, removed last. The swap is
// refused once id has children: they are built on the old diff.
func (d *Driver) commit(id, next string) error {
	if err := crashPoint("built"); err != nil {
		return err
	}
	if err := syncDir(next); err != nil {
		return err
	}
	if err := d.swap(id, next); err != nil {
		return err
	}
	if err := crashPoint("swapped"); err != nil {
		return err
	}
	// The swap is durable before Put returns; either state is whole.
	return errors.Join(fsyncDir(d.diffsDir()), layers.RemoveTree(next))
}

func (d *Driver) swap(id, next string) error {
	d.diffsMu.Lock()
	defer d.diffsMu.Unlock()
	l, err := d.s.Table.Lookup("commit", id)
	if err != nil {
		return err
	}
	if l.Children > 0 {
		return fmt.Errorf("its diff changed after %d children were made on it: %w", l.Children, graphdriver.ErrHasChildren)
	}
	if err := exchange(next, d.diffDir(id), filepath.Join(d.diffsDir(), oldPrefix+id)); err != nil {
		return err
	}
	d.dropFarm(id) // kept only while id had children; gone stale now
	return nil
}
