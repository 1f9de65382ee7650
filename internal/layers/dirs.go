package layers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Prefixes of the temporary siblings a DirStore leaves in its Dir while
// it works, and a reopen purges (ids cannot start with '.').
const (
	TmpPrefix      = ".tmp-"      // a Create in progress
	RemovingPrefix = ".removing-" // a Remove past its commit
)

// DirStore is the on-disk side of a backend that keeps each layer as one
// directory, <Dir>/<id>, with a MetaFiles record beside it: the layer is
// built in <Dir>/.tmp-<id> and committed by renaming it into place, and
// removed by renaming it to <Dir>/.removing-<id> before deleting it. So
// a crash leaves either a whole layer or a leftover IsLeftover names. M
// is the backend's metadata in the Table, R the record on disk.
type DirStore[M, R any] struct {
	Table *Table[M]
	Dir   string
	Meta  MetaFiles[R]
}

// LayerDir returns the directory of layer id.
func (s *DirStore[M, R]) LayerDir(id string) string { return filepath.Join(s.Dir, id) }

// Create builds layer id, which the caller has reserved in the Table
// and whose lock it holds: build makes the tree in the temporary dir it
// is given, the record rec is written, and the rename into place is the
// commit point, after which the layer is ready. A failure deletes what
// was made and releases the reservation.
func (s *DirStore[M, R]) Create(id string, rec R, build func(tmp string) error) (retErr error) {
	tmp := filepath.Join(s.Dir, TmpPrefix+id)
	defer func() {
		if retErr != nil {
			retErr = errors.Join(retErr, RemoveTree(tmp), s.Meta.Remove(id))
			s.Table.Release(id)
		}
	}()
	if err := build(tmp); err != nil {
		return fmt.Errorf("%s: create %s: %w", s.Table.backend, id, err)
	}
	if err := s.Meta.Write(id, rec); err != nil {
		return fmt.Errorf("%s: create %s: %w", s.Table.backend, id, err)
	}
	// Before the rename a reopen purges the temporary dir and the orphaned
	// record.
	if err := os.Rename(tmp, s.LayerDir(id)); err != nil {
		return fmt.Errorf("%s: create %s: %w", s.Table.backend, id, err)
	}
	s.Table.SetReady(id, true)
	return nil
}

// Remove deletes ready layer id, whose lock the caller holds (see
// Table.Remove). forget, if not nil, runs once the layer is aside, to
// drop what the backend keeps derived from it.
func (s *DirStore[M, R]) Remove(id string, forget func()) error {
	aside := filepath.Join(s.Dir, RemovingPrefix+id)
	return s.Table.Remove(id, Removal[M]{
		Aside: func(Layer[M]) error { return os.Rename(s.LayerDir(id), aside) },
		Purge: func(Layer[M]) error {
			if forget != nil {
				forget()
			}
			return errors.Join(s.Meta.Remove(id), Purge(aside))
		},
	})
}

// IsLeftover reports whether name, an entry of a DirStore's Dir, is what
// a crashed Create or Remove left.
func IsLeftover(name string) bool {
	return strings.HasPrefix(name, TmpPrefix) || strings.HasPrefix(name, RemovingPrefix)
}
