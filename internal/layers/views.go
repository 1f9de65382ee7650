package layers

import (
	"errors"
	"fmt"
	"sync"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/locker"
)

// Views runs Get, Put and Cleanup for a backend that mounts merged views
// (overlay2, aufs): the first Get of a layer mounts its view, later ones
// share it, the last Put unmounts it, and Cleanup unmounts them all. The
// references themselves are the Table's holds, so a held layer is
// ErrBusy to Remove. V is what the backend keeps of a mounted view.
type Views[M, V any] struct {
	Table *Table[M]
	Locks *locker.Locker // the backend's per-id locks
	// Mount makes the view of layer l for its first Get.
	Mount func(id string, l Layer[M], mountLabel string) (V, error)
	// Unmount undoes what Mount made, at the last Put and at Cleanup.
	Unmount func(id string, v V) error

	mu sync.Mutex
	m  map[string]V // layers held by Get: what Mount made
}

// Get takes a reference on layer id, mounting its view on the first one,
// and returns the view.
func (vs *Views[M, V]) Get(id, mountLabel string) (V, error) {
	var none V
	if err := graphdriver.ValidateID(id); err != nil {
		return none, fmt.Errorf("%s: get: %w", vs.Table.backend, err)
	}
	vs.Locks.Lock(id)
	defer vs.Locks.Unlock(id)
	l, err := vs.Table.Lookup("get", id)
	if err != nil {
		return none, err
	}
	v, held := vs.held(id)
	if !held {
		if v, err = vs.Mount(id, l, mountLabel); err != nil {
			return none, fmt.Errorf("%s: get %s: %w", vs.Table.backend, id, err)
		}
	}
	// id's lock is held: nothing removed the layer since the look-up.
	if _, err := vs.Table.Hold("get", id); err != nil {
		if !held {
			err = errors.Join(err, vs.Unmount(id, v))
		}
		return none, err
	}
	vs.mu.Lock()
	if vs.m == nil {
		vs.m = map[string]V{}
	}
	vs.m[id] = v
	vs.mu.Unlock()
	return v, nil
}

// Put releases a reference taken by Get; the last one unmounts the view.
// Without a reference it is ErrNotMounted. Should the unmount fail, the
// reference stays.
func (vs *Views[M, V]) Put(id string) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("%s: put: %w", vs.Table.backend, err)
	}
	vs.Locks.Lock(id)
	defer vs.Locks.Unlock(id)
	l, err := vs.Table.Lookup("put", id)
	if err != nil {
		return err
	}
	if l.Holds == 0 {
		return fmt.Errorf("%s: put %s: %w", vs.Table.backend, id, graphdriver.ErrNotMounted)
	}
	v, _ := vs.held(id)
	if l.Holds == 1 {
		if err := vs.Unmount(id, v); err != nil {
			return fmt.Errorf("%s: put %s: %w", vs.Table.backend, id, err)
		}
	}
	if left, _ := vs.Table.Drop(id); left == 0 {
		vs.mu.Lock()
		delete(vs.m, id)
		vs.mu.Unlock()
	}
	return nil
}

// Cleanup unmounts every view and drops every reference Get took; the
// layers stay. It returns the unmount errors joined.
func (vs *Views[M, V]) Cleanup() error {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	var errs []error
	for id, v := range vs.m {
		errs = append(errs, vs.Unmount(id, v))
		delete(vs.m, id)
		for {
			if _, held := vs.Table.Drop(id); !held {
				break
			}
		}
	}
	return errors.Join(errs...)
}

func (vs *Views[M, V]) held(id string) (V, bool) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	v, ok := vs.m[id]
	return v, ok
}
