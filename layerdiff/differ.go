package layerdiff

import (
	"errors"
	"fmt"
	"io"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/internal/layers"
)

// Views returns the directories of layer id's merged view and of the view
// to diff it against: parent's, or id's own parent's when parent is ""
// ("" again for a layer without one, an empty tree). Both stay valid, and
// the layers held, until release is called. op names the operation in
// errors.
type Views func(op, id, parent string) (layerDir, parentDir string, release func() error, err error)

// A Mounter gives merged views by reference: Get mounts (or shares) the
// view of a layer, Put releases it. Every graphdriver.Driver is one.
type Mounter interface {
	Get(id, mountLabel string) (dir string, err error)
	Put(id string) error
}

// MountedViews is Views for a backend whose views come from its own Get
// and Put: diffParent checks id and names the parent to diff against
// (parent, or id's own when ""), then both views are taken with Get
// until release. It costs the mounts, where the views are not mounted
// already.
func MountedViews(m Mounter, diffParent func(op, id, parent string) (string, error)) Views {
	return func(op, id, parent string) (layerDir, parentDir string, release func() error, err error) {
		if parent, err = diffParent(op, id, parent); err != nil {
			return "", "", nil, err
		}
		if layerDir, err = m.Get(id, ""); err != nil {
			return "", "", nil, err
		}
		if parent == "" {
			return layerDir, "", func() error { return m.Put(id) }, nil
		}
		if parentDir, err = m.Get(parent, ""); err != nil {
			return "", "", nil, errors.Join(err, m.Put(id))
		}
		return layerDir, parentDir, func() error { return errors.Join(m.Put(parent), m.Put(id)) }, nil
	}
}

// Result is what one walk of a layer's and its parent's views gives:
// Changes' list, Plan's entries and DiffSize's size.
type Result struct {
	Changes []graphdriver.Change
	Entries []archive.Entry
	Size    int64
}

// Native diffs layer id against parent (parent "" or id's own) by a
// backend's own means, given the held views of both (parentDir "" for a
// layer without parent). It returns what the walk of both views would
// give, or an error (any) where it cannot be certain of that: Differ
// then walks both views.
type Native func(id, parent, layerDir, parentDir string) (*Result, error)

// Differ gives a backend Changes, Diff and DiffSize by walking two merged
// views, as Docker's naive diff driver does for backends without a
// native diff. A backend that can diff natively (an upper dir that holds
// only what the layer changed) sets Native: Differ asks it first and
// walks both views where it declines.
type Differ struct {
	Backend string            // for errors: "vfs: diff 3f2a: ..."
	IDMap   graphdriver.IDMap // maps owners back to container ids in tars
	Views   Views
	Native  Native // nil: always walk both views
}

// Changes lists what id changed relative to parent: see the package doc
// for the rules. It costs a walk of both views, or of the upper dir.
func (d Differ) Changes(id, parent string) ([]graphdriver.Change, error) {
	layerDir, parentDir, release, err := d.Views("changes", id, parent)
	if err != nil {
		return nil, err
	}
	var changes []graphdriver.Change
	if r := d.native(id, parent, layerDir, parentDir); r != nil {
		changes = r.Changes
	} else {
		changes, err = Changes(layerDir, parentDir)
	}
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
	var entries []archive.Entry
	if r := d.native(id, parent, layerDir, parentDir); r != nil {
		entries = r.Entries
	} else if entries, err = Plan(layerDir, parentDir); err != nil {
		return nil, errors.Join(fmt.Errorf("%s: diff %s: %w", d.Backend, id, err), release())
	}
	rc := archive.NewReader(layerDir, entries, &archive.WriteOptions{IDMap: d.IDMap})
	return layers.ReleaseOnClose(rc, release), nil
}

// DiffSize returns the bytes of file content Diff(id, parent) carries.
func (d Differ) DiffSize(id, parent string) (int64, error) {
	layerDir, parentDir, release, err := d.Views("diff size", id, parent)
	if err != nil {
		return 0, err
	}
	var size int64
	if r := d.native(id, parent, layerDir, parentDir); r != nil {
		size = r.Size
	} else {
		size, err = DiffSize(layerDir, parentDir)
	}
	if err = errors.Join(err, release()); err != nil {
		return 0, fmt.Errorf("%s: diff size %s: %w", d.Backend, id, err)
	}
	return size, nil
}

// native asks Native for the result where it is set, and returns nil
// where both views must be walked. Its errors are dropped on purpose: the
// full walk then gives the exact answer, or the error naming what is
// wrong.
func (d Differ) native(id, parent, layerDir, parentDir string) *Result {
	if d.Native == nil {
		return nil
	}
	r, err := d.Native(id, parent, layerDir, parentDir)
	if err != nil {
		return nil
	}
	return r
}
