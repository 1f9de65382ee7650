package vfs

import (
	"io"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/whiteout"
)

// Changes lists what layer id changed relative to parent ("" means id's
// own parent) by walking both trees (layerdiff.Differ): it costs an lstat of
// every entry of both.
func (d *Driver) Changes(id, parent string) ([]graphdriver.Change, error) {
	return d.diff.Changes(id, parent)
}

// Diff returns the canonical layer tar of id relative to parent ("" means
// id's own parent). Both layers count as in use (Remove is ErrBusy) until
// the reader is closed.
func (d *Driver) Diff(id, parent string) (io.ReadCloser, error) { return d.diff.Diff(id, parent) }

// DiffSize returns the bytes of file content Diff(id, parent) carries.
func (d *Driver) DiffSize(id, parent string) (int64, error) { return d.diff.DiffSize(id, parent) }

// holdPair resolves the trees of id and of the parent to diff against
// ("" for an empty tree) and holds both (Remove is ErrBusy) until
// release.
func (d *Driver) holdPair(op, id, parent string) (layerDir, parentDir string, release func() error, err error) {
	l, err := d.s.Table.Hold(op, id)
	if err != nil {
		return "", "", nil, err
	}
	if parent == "" {
		parent = l.Parent
	}
	if parent == "" {
		return d.layerDir(id), "", func() error { d.s.Table.Drop(id); return nil }, nil
	}
	if _, err := d.s.Table.Hold(op+" "+id+": parent", parent); err != nil {
		d.s.Table.Drop(id)
		return "", "", nil, err
	}
	release = func() error {
		d.s.Table.Drop(id)
		d.s.Table.Drop(parent)
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
func (d *Driver) ApplyDiff(id, parent string, diff io.Reader) (int64, error) {
	return d.apply.Apply(id, parent, diff)
}

// stageApply makes the empty staging dir a tar is unpacked into.
func (d *Driver) stageApply(id string, _ layer) (string, *archive.ApplyOptions, func() error, error) {
	stage := filepath.Join(d.layersDir(), ".tmp-apply-"+id)
	if err := layers.RemoveTree(stage); err != nil {
		return "", nil, nil, err
	}
	if err := os.Mkdir(stage, 0o700); err != nil {
		return "", nil, nil, err
	}
	return stage, d.applyOptions(id), func() error { return layers.RemoveTree(stage) }, nil
}

func (d *Driver) applyOptions(id string) *archive.ApplyOptions {
	return &archive.ApplyOptions{
		Whiteouts: whiteout.AUFS,
		IDMap:     d.s.IDMap,
		Lower:     archive.LowerIn(d.layerDir(id)),
		// Without privilege and without an id map, owners cannot be kept:
		// files belong to the user running the store.
		IgnoreChownErrors: d.s.IDMap.Empty() && os.Geteuid() != 0,
	}
}
