package naive

import (
	"errors"
	"fmt"
	"io"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
)

// Views returns the directories of layer id's merged view and of the view
// to diff it against: parent's, or id's own parent's when parent is ""
// ("" again for a layer without one, an empty tree). Both stay valid, and
// the layers held, until release is called. op names the operation in
// errors.
type Views func(op, id, parent string) (layerDir, parentDir string, release func() error, err error)

// Differ gives a backend Changes, Diff and DiffSize by walking two merged
// views, as Docker's naive diff driver does for backends without a
// native diff. A backend with a faster way keeps Differ as its fallback.
type Differ struct {
	Backend string            // for errors: "vfs: diff 3f2a: ..."
	IDMap   graphdriver.IDMap // maps owners back to container ids in tars
	Views   Views
}

// Changes lists what id changed relative to parent: see the package doc
// for the rules. It costs a walk of both views.
func (d Differ) Changes(id, parent string) ([]graphdriver.Change, error) {
	layerDir, parentDir, release, err := d.Views("changes", id, parent)
	if err != nil {
		return nil, err
	}
	changes, err := Changes(layerDir, parentDir)
	if err = errors.Join(err, release()); err != nil {
		return nil, fmt.Errorf("%s: changes %s: %w", d.Backend, id, err)
	}
	return changes, nil
}

// Diff returns the canonical layer tar of id relative to parent. The views
// stay held (the layers cannot be removed) until the reader is closed.
func (d Differ) Diff(id, parent string) (io.ReadCloser, error) {
	layerDir, parentDir, release, err := d.Views("diff", id, parent)
	if err != nil {
		return nil, err
	}
	rc, err := Diff(layerDir, parentDir, d.IDMap)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s: diff %s: %w", d.Backend, id, err), release())
	}
	return layers.ReleaseOnClose(rc, release), nil
}

// DiffSize returns the bytes of file content Diff(id, parent) carries.
func (d Differ) DiffSize(id, parent string) (int64, error) {
	layerDir, parentDir, release, err := d.Views("diff size", id, parent)
	if err != nil {
		return 0, err
	}
	size, err := DiffSize(layerDir, parentDir)
	if err = errors.Join(err, release()); err != nil {
		return 0, fmt.Errorf("%s: diff size %s: %w", d.Backend, id, err)
	}
	return size, nil
}
