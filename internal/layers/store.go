package layers

import (
	"fmt"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/locker"
)

// Store is what every backend's Driver holds alike: its name, its home,
// the id map and the owner it gives new layer roots, the per-id locks
// and the layer table. Its methods are the preamble every Driver method
// that names a layer shares: check the id, take its lock.
type Store[M any] struct {
	Backend          string
	Home             string
	IDMap            graphdriver.IDMap
	RootUID, RootGID int
	Locks            locker.Locker // one per layer id, taken first by every method
	Table            *Table[M]     // every layer, ready or in flight, and its references
}

// NewStore returns the Store of backend's home, with an empty table.
func NewStore[M any](backend, home string, idMap graphdriver.IDMap) *Store[M] {
	return &Store[M]{Backend: backend, Home: home, IDMap: idMap, Table: NewTable[M](backend)}
}

// Locked checks id, takes its lock and runs f with it held. op names the
// call in errors ("remove"): an invalid id is "<backend>: <op>: ..."
// wrapping graphdriver.ErrInvalidID.
func (s *Store[M]) Locked(op, id string, f func() error) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("%s: %s: %w", s.Backend, op, err)
	}
	s.Locks.Lock(id)
	defer s.Locks.Unlock(id)
	return f()
}

// Create checks the arguments of a Create (see ValidateCreate; noQuota
// says why a "size" option cannot be had), takes id's lock and runs f
// with it held.
func (s *Store[M]) Create(id, parent string, opts *graphdriver.CreateOpts, noQuota string, f func() error) error {
	if err := ValidateCreate(s.Backend, id, parent, opts, noQuota); err != nil {
		return err
	}
	s.Locks.Lock(id)
	defer s.Locks.Unlock(id)
	return f()
}

// Exists reports whether layer id exists and is ready.
func (s *Store[M]) Exists(id string) bool { return s.Table.Exists(id) }
