package layers

import "fmt"

// Removal says how a backend takes one layer off disk; see Table.Remove.
type Removal[M any] struct {
	// InFlight allows removing a layer that is not ready yet: the undoing
	// of a Create past its commit point.
	InFlight bool
	// Aside is the commit point: it moves the layer out of its place
	// (a rename), or fails leaving it whole and in place.
	Aside func(l Layer[M]) error
	// Release forgets the layer once it is aside; nil means
	// Table.Release. A backend that indexes layers elsewhere too (short
	// link names) forgets them there as well.
	Release func(id string)
	// Purge deletes what Aside moved and whatever else the layer had.
	Purge func(l Layer[M]) error
}

// Remove takes layer id off disk the crash-safe way: hidden from
// look-ups first (MarkRemoving: ErrNotFound, ErrBusy, ErrHasChildren),
// set aside (the commit point: should it fail, the layer is as it was),
// forgotten, then purged. A purge that fails leaves leftovers for the
// next open to delete; the layer is gone all the same. The caller holds
// id's lock.
func (t *Table[M]) Remove(id string, r Removal[M]) error {
	l, err := t.MarkRemoving(id, r.InFlight)
	if err != nil {
		return err
	}
	if err := r.Aside(l); err != nil {
		t.SetReady(id, !r.InFlight)
		return fmt.Errorf("%s: remove %s: %w", t.backend, id, err)
	}
	if r.Release != nil {
		r.Release(id)
	} else {
		t.Release(id)
	}
	if err := r.Purge(l); err != nil {
		return fmt.Errorf("%s: remove %s: layer removed, leftovers remain until reopen: %w", t.backend, id, err)
	}
	return nil
}
