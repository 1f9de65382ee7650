package layers

import (
	"fmt"
	"sync"

	"github.com/layerfs/graphdriver"
)

// Table indexes a store's layers; M is the backend's metadata per layer.
// Its methods are safe for concurrent use; the errors they return name
// the backend, the operation and the id, and wrap the graphdriver
// sentinels.
type Table[M any] struct {
	backend string
	mu      sync.Mutex
	m       map[string]*entry[M]
}

type entry[M any] struct {
	parent   string
	meta     M
	ready    bool // false while being created or removed
	children int  // layers whose parent this is, including ones in flight
	holds    int  // references: Get calls and open Diff readers
}

// Layer is a copy of what the table knows of one layer.
type Layer[M any] struct {
	Parent   string
	Meta     M
	Children int
	Holds    int
}

// NewTable returns an empty table for the backend named backend.
func NewTable[M any](backend string) *Table[M] {
	return &Table[M]{backend: backend, m: map[string]*entry[M]{}}
}

// Load records a ready layer found on disk. Call CountChildren once every
// layer is loaded.
func (t *Table[M]) Load(id, parent string, meta M) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.m[id] = &entry[M]{parent: parent, meta: meta, ready: true}
}

// SetParent sets the parent of a loaded layer, for stores that learn
// parents only once every layer is loaded.
func (t *Table[M]) SetParent(id, parent string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.m[id]; ok {
		e.parent = parent
	}
}

// CountChildren recounts every layer's children from the parents.
func (t *Table[M]) CountChildren() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range t.m {
		e.children = 0
	}
	for _, e := range t.m {
		if p, ok := t.m[e.parent]; ok && e.parent != "" {
			p.children++
		}
	}
}

// Reserve claims id for a Create on parent ("" for none) and counts it as
// a child of parent at once, so a concurrent Remove of the parent fails
// with ErrHasChildren while the layer is built. A taken id is ErrExists,
// a parent that is not ready ErrNotFound.
func (t *Table[M]) Reserve(id, parent string, meta M) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, taken := t.m[id]; taken {
		return fmt.Errorf("%s: create %s: %w", t.backend, id, graphdriver.ErrExists)
	}
	if parent != "" {
		p, ok := t.m[parent]
		if !ok || !p.ready {
			return fmt.Errorf("%s: create %s: parent %s: %w", t.backend, id, parent, graphdriver.ErrNotFound)
		}
		p.children++
	}
	t.m[id] = &entry[M]{parent: parent, meta: meta}
	return nil
}

// SetReady makes id visible (a Create committed, or a Remove undone) or
// hides it again.
func (t *Table[M]) SetReady(id string, ready bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.m[id]; ok {
		e.ready = ready
	}
}

// Release forgets id and uncounts it from its parent. It returns what
// the table knew of id and whether its parent has no children left.
func (t *Table[M]) Release(id string) (released Layer[M], parentChildless bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[id]
	if !ok {
		return Layer[M]{}, false
	}
	delete(t.m, id)
	p, ok := t.m[e.parent]
	if !ok || e.parent == "" {
		return e.layer(), false
	}
	p.children--
	return e.layer(), p.children == 0
}
