package layers

import (
	"fmt"
	"sort"

	"github.com/layerfs/graphdriver"
)

// Lookup returns the ready layer id; an invalid id is ErrInvalidID, an
// absent or in-flight one ErrNotFound. op names the operation in errors.
func (t *Table[M]) Lookup(op, id string) (Layer[M], error) {
	if err := graphdriver.ValidateID(id); err != nil {
		return Layer[M]{}, fmt.Errorf("%s: %s: %w", t.backend, op, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[id]
	if !ok || !e.ready {
		return Layer[M]{}, fmt.Errorf("%s: %s %s: %w", t.backend, op, id, graphdriver.ErrNotFound)
	}
	return e.layer(), nil
}

// Exists reports whether id is a ready layer: what a Driver's Exists
// returns.
func (t *Table[M]) Exists(id string) bool {
	_, err := t.Lookup("exists", id)
	return err == nil
}

// Hold looks up the ready layer id and takes a reference on it in one
// step, so a Remove cannot slip between the two. It returns the layer as
// it was before the reference.
func (t *Table[M]) Hold(op, id string) (Layer[M], error) {
	l, err := t.Lookup(op, id)
	if err != nil {
		return l, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[id]
	if !ok || !e.ready { // removed since the look-up
		return Layer[M]{}, fmt.Errorf("%s: %s %s: %w", t.backend, op, id, graphdriver.ErrNotFound)
	}
	l = e.layer()
	e.holds++
	return l, nil
}

// Drop releases a reference taken by Hold and returns how many are left;
// ok is false, and nothing changes, when id held none.
func (t *Table[M]) Drop(id string) (left int, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, found := t.m[id]
	if !found || e.holds == 0 {
		return 0, false
	}
	e.holds--
	return e.holds, true
}

// DiffParent looks up id and the layer to diff it against: parent, or
// id's own parent when parent is "" ("" again for a base layer, the
// empty tree). Both must be ready.
func (t *Table[M]) DiffParent(op, id, parent string) (string, error) {
	l, err := t.Lookup(op, id)
	if err != nil {
		return "", err
	}
	if parent == "" {
		parent = l.Parent
	}
	if parent != "" {
		if _, err := t.Lookup(op+" "+id+": parent", parent); err != nil {
			return "", err
		}
	}
	return parent, nil
}

// LookupForApply looks up layer id for ApplyDiff and checks the parent
// the caller gave: "" or id's own (a tar is a diff against one parent;
// applied over another it would make a tree nobody asked for), or any
// where anyParent (if not nil) says so of the layer.
func (t *Table[M]) LookupForApply(id, parent string, anyParent func(Layer[M]) bool) (Layer[M], error) {
	l, err := t.Lookup("apply diff", id)
	if err != nil || parent == "" {
		return l, err
	}
	if _, err := t.Lookup("apply diff "+id+": parent", parent); err != nil {
		return Layer[M]{}, err
	}
	if parent != l.Parent && (anyParent == nil || !anyParent(l)) {
		return Layer[M]{}, fmt.Errorf("%s: apply diff %s: parent %s given, but the layer's parent is %q", t.backend, id, parent, l.Parent)
	}
	return l, nil
}

// MarkRemoving hides id for a Remove: it must be ready (or in flight
// when undoing the Create that reserved it), held by no reference
// (ErrBusy) and parent of no layer (ErrHasChildren).
func (t *Table[M]) MarkRemoving(id string, inFlight bool) (Layer[M], error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[id]
	switch {
	case !ok || (!e.ready && !inFlight):
		return Layer[M]{}, fmt.Errorf("%s: remove %s: %w", t.backend, id, graphdriver.ErrNotFound)
	case e.holds > 0:
		return Layer[M]{}, fmt.Errorf("%s: remove %s: held by %d references: %w", t.backend, id, e.holds, graphdriver.ErrBusy)
	case e.children > 0:
		return Layer[M]{}, fmt.Errorf("%s: remove %s: %d children: %w", t.backend, id, e.children, graphdriver.ErrHasChildren)
	}
	e.ready = false
	return e.layer(), nil
}

// Ancestors returns the parents of id, nearest first.
func (t *Table[M]) Ancestors(id string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for e := t.m[id]; e != nil && e.parent != ""; e = t.m[e.parent] {
		out = append(out, e.parent)
	}
	return out
}

// Len returns the number of layers, in flight ones included.
func (t *Table[M]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// IDs returns the ids of every layer, sorted.
func (t *Table[M]) IDs() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	ids := make([]string, 0, len(t.m))
	for id := range t.m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (e *entry[M]) layer() Layer[M] {
	return Layer[M]{Parent: e.parent, Meta: e.meta, Children: e.children, Holds: e.holds}
}
