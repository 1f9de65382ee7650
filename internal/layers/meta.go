package layers

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MetaFiles keeps a small JSON record per layer, as <Dir>/<id>.json:
// what a backend whose layer directories cannot say it (their parent,
// their kind) records beside them. T is the record's type.
type MetaFiles[T any] struct {
	Dir string
}

// Path returns the file of id's record.
func (s MetaFiles[T]) Path(id string) string {
	return filepath.Join(s.Dir, id+".json")
}

// Write writes the record of id atomically: to a temporary file, synced,
// then renamed into place, so a crash leaves the old record or the new
// one, never a torn one.
func (s MetaFiles[T]) Write(id string, rec T) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	tmp := s.Path(id) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return os.Rename(tmp, s.Path(id))
}

// Read reads the record of id; found is false, with the zero record,
// when id has none.
func (s MetaFiles[T]) Read(id string) (rec T, found bool, err error) {
	data, err := os.ReadFile(s.Path(id))
	if errors.Is(err, os.ErrNotExist) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, false, fmt.Errorf("%s: %w", s.Path(id), err)
	}
	return rec, true, nil
}

// Remove deletes the record of id; a missing one is not an error.
func (s MetaFiles[T]) Remove(id string) error {
	return RemoveIfExists(s.Path(id))
}

// PurgeOrphans deletes every file of Dir that is not the record of a
// layer keep accepts: the record of a create that crashed before its
// commit or of a remove that crashed after its, and temporary files of
// a crashed Write. Call it at open, once the layers are loaded.
func (s MetaFiles[T]) PurgeOrphans(keep func(id string) bool) error {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".json"); ok && keep(id) {
			continue
		}
		if err := os.Remove(filepath.Join(s.Dir, e.Name())); err != nil {
			return fmt.Errorf("purge %s: %w", e.Name(), err)
		}
	}
	return nil
}

// RemoveIfExists removes the file or empty directory path; a missing one
// is not an error.
func RemoveIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
