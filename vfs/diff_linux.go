package vfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/layerdiff"
	"github.com/layerfs/graphdriver/whiteout"
)

// Changes lists what layer id changed relative to parent ("" means id's
// own parent) by walking both trees (layerdiff.Differ): it costs an lstat of
// every entry of both.
func (d *Driver) Changes(id, parent string) ([]graphdriver.Change, error) {
	return d.differ().Changes(id, parent)
}

// Diff returns the canonical layer tar of id relative to parent ("" means
// id's own parent). Both layers count as in use (Remove is ErrBusy) until
// the reader is closed.
func (d *Driver) Diff(id, parent string) (io.ReadCloser, error) {
	return d.differ().Diff(id, parent)
}

// DiffSize returns the bytes of file content Diff(id, parent) carries.
func (d *Driver) DiffSize(id, parent string) (int64, error) {
	return d.differ().DiffSize(id, parent)
}

func (d *Driver) differ() layerdiff.Differ {
	return layerdiff.Differ{Backend: Name, IDMap: d.idMap, Views: d.holdPair}
}

// holdPair resolves the trees of id and of the parent to diff against
// ("" for an empty tree) and holds both (Remove is ErrBusy) until
// release.
func (d *Driver) holdPair(op, id, parent string) (layerDir, parentDir string, release func() error, err error) {
	l, err := d.table.Hold(op, id)
	if err != nil {
		return "", "", nil, err
	}
	if parent == "" {
		parent = l.Parent
	}
	if parent == "" {
		return d.layerDir(id), "", func() error { d.table.Drop(id); return nil }, nil
	}
	if _, err := d.table.Hold(op+" "+id+": parent", parent); err != nil {
		d.table.Drop(id)
		return "", "", nil, err
	}
	release = func() error {
		d.table.Drop(id)
		d.table.Drop(parent)
		return nil
	}
	return d.layerDir(id), d.layerDir(parent), release, nil
}

// ApplyDiff unpacks the layer tar diff into layer id, whose parent is
// parent. The tar is unpacked into a staging directory first (safely:
// see archive.Apply) and only then merged onto the layer's tree, so a
// hostile or malformed tar never touches the layer; it is then removed,
// and the error names the entry. Hardlinks to files the tar does not
// carry are copied in from the layer's tree.
func (d *Driver) ApplyDiff(id, parent string, diff io.Reader) (size int64, retErr error) {
	if err := graphdriver.ValidateID(id); err != nil {
		return 0, fmt.Errorf("vfs: apply diff: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	l, err := d.table.Lookup("apply diff", id)
	if err != nil {
		return 0, err
	}
	if parent != "" {
		if _, err := d.table.Lookup("apply diff "+id+": parent", parent); err != nil {
			return 0, err
		}
		if parent != l.Parent && !l.Meta.Imported {
			return 0, fmt.Errorf("vfs: apply diff %s: parent %s given, but the layer's parent is %q", id, parent, l.Parent)
		}
	}
	defer func() {
		if retErr != nil {
			retErr = errors.Join(fmt.Errorf("vfs: apply diff %s: %w", id, retErr), d.removeLocked(id))
		}
	}()
	stage := filepath.Join(d.layersDir(), ".tmp-apply-"+id)
	if err := os.RemoveAll(stage); err != nil {
		return 0, err
	}
	if err := os.Mkdir(stage, 0o700); err != nil {
		return 0, err
	}
	defer func() { retErr = errors.Join(retErr, os.RemoveAll(stage)) }()
	size, err = archive.Apply(stage, diff, d.applyOptions(id))
	if err != nil {
		return 0, err
	}
	return size, layerdiff.Merge(d.layerDir(id), stage, d.copier)
}

func (d *Driver) applyOptions(id string) *archive.ApplyOptions {
	return &archive.ApplyOptions{
		Whiteouts: whiteout.AUFS,
		IDMap:     d.idMap,
		Lower:     archive.LowerIn(d.layerDir(id)),
		// Without privilege and without an id map, owners cannot be kept:
		// files belong to the user running the store.
		IgnoreChownErrors: d.idMap.Empty() && os.Geteuid() != 0,
	}
}
