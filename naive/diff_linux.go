package naive

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/whiteout"
)

// Diff returns the canonical layer tar of id relative to parent ("" means
// id's own parent). Against its own parent, with no view held, it is the
// stored diff written out as it is: it costs a walk of the diff, not of
// the trees. Otherwise both trees are walked (see Changes). id stays in
// use (Remove is ErrBusy) until the reader is closed.
func (d *Driver) Diff(id, parent string) (io.ReadCloser, error) {
	dir, release, ok, err := d.holdStored("diff", id, parent)
	if err != nil {
		return nil, err
	}
	if !ok {
		return d.diff.Diff(id, parent)
	}
	entries, _, err := storedEntries(dir)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("naive: diff %s: %w", id, err), release())
	}
	rc := archive.NewReader(dir, entries, &archive.WriteOptions{IDMap: d.s.IDMap})
	return layers.ReleaseOnClose(rc, release), nil
}

// DiffSize returns the bytes of file content Diff(id, parent) carries;
// against the own parent it costs a walk of the stored diff.
func (d *Driver) DiffSize(id, parent string) (int64, error) {
	dir, release, ok, err := d.holdStored("diff size", id, parent)
	if err != nil {
		return 0, err
	}
	if !ok {
		return d.diff.DiffSize(id, parent)
	}
	_, size, err := storedEntries(dir)
	if err = errors.Join(err, release()); err != nil {
		return 0, fmt.Errorf("naive: diff size %s: %w", id, err)
	}
	return size, nil
}

// Changes lists what id changed relative to parent ("" means id's own
// parent) by walking link farms of both (or id's view while Get holds
// it): an lstat of every entry of both trees, a link per entry to build
// the farms.
func (d *Driver) Changes(id, parent string) ([]graphdriver.Change, error) {
	return d.diff.Changes(id, parent)
}

// holdStored holds id and returns its stored diff when that is what a
// diff against parent is: parent is "" or id's own, and no view of id
// is held (a view's changes are not in the diff yet). ok is false, and
// nothing held, otherwise.
func (d *Driver) holdStored(op, id, parent string) (dir string, release func() error, ok bool, err error) {
	if parent != "" {
		if _, err := d.s.Table.Lookup(op+" "+id+": parent", parent); err != nil {
			return "", nil, false, err
		}
	}
	l, err := d.s.Table.Hold(op, id)
	if err != nil {
		return "", nil, false, err
	}
	if (parent != "" && parent != l.Parent) || d.mounted(id) > 0 {
		d.s.Table.Drop(id)
		return "", nil, false, nil
	}
	return d.diffDir(id), func() error { d.s.Table.Drop(id); return nil }, true, nil
}

// holdViews gives the Differ the trees of id and of the parent to diff
// against: link farms of their chains, or id's view while Get holds it
// (taking a reference of its own, so the view stays until release).
func (d *Driver) holdViews(op, id, parent string) (layerDir, parentDir string, release func() error, err error) {
	l, err := d.s.Table.Lookup(op, id)
	if err != nil {
		return "", "", nil, err
	}
	if parent == "" {
		parent = l.Parent
	}
	if parent != "" {
		if _, err := d.s.Table.Hold(op+" "+id+": parent", parent); err != nil {
			return "", "", nil, err
		}
	}
	var undo []func() error
	release = func() error {
		var errs []error
		for i := len(undo) - 1; i >= 0; i-- {
			errs = append(errs, undo[i]())
		}
		return errors.Join(errs...)
	}
	if parent != "" {
		undo = append(undo, func() error { d.s.Table.Drop(parent); return nil })
	}
	layerDir, parentDir, err = d.views2(op, id, parent, &undo)
	if err != nil {
		return "", "", nil, errors.Join(fmt.Errorf("naive: %s %s: %w", op, id, err), release())
	}
	return layerDir, parentDir, release, nil
}

// views2 makes the two trees of holdViews, adding what undoes each step
// to undo.
func (d *Driver) views2(op, id, parent string, undo *[]func() error) (layerDir, parentDir string, err error) {
	work, err := os.MkdirTemp(d.viewsDir(), ".diff-"+id+"-")
	if err != nil {
		return "", "", err
	}
	*undo = append(*undo, func() error { return layers.RemoveTree(work) })
	if d.mounted(id) > 0 {
		if layerDir, err = d.Get(id, ""); err != nil {
			return "", "", err
		}
		*undo = append(*undo, func() error { return d.Put(id) })
	} else {
		if _, err := d.s.Table.Hold(op, id); err != nil {
			return "", "", err
		}
		*undo = append(*undo, func() error { d.s.Table.Drop(id); return nil })
		layerDir = filepath.Join(work, "layer")
		if err := d.compose(layerDir, d.chain(id), &composer{farm: true}); err != nil {
			return "", "", err
		}
	}
	if parent != "" {
		parentDir = filepath.Join(work, "parent")
		if err := d.compose(parentDir, d.chain(parent), &composer{farm: true}); err != nil {
			return "", "", err
		}
	}
	return layerDir, parentDir, nil
}

// ApplyDiff unpacks the layer tar diff into layer id, whose parent is
// parent ("" or id's own). The tar is unpacked safely into a staging
// directory (archive.Apply: nothing outside it is written), composed as
// a link farm over the layer's chain and stored as its canonical diff
// against the parent, as a Put would, so Diff gives the canonical bytes
// whatever form the tar had. A rejected tar removes the layer and the
// error names the entry. Hardlinks to files the tar does not carry are
// copied in from the parent's merged view.
func (d *Driver) ApplyDiff(id, parent string, diff io.Reader) (size int64, err error) {
	var parentDir string // the link farm of the parent's chain, "" for none
	a := layers.Applier[layerInfo]{Store: d.s,
		Check: func(id string, _ layer) error {
			if n := d.mounted(id); n > 0 {
				return fmt.Errorf("naive: apply diff %s: its view is held by %d Get references: %w", id, n, graphdriver.ErrBusy)
			}
			return nil
		},
		Prepare: func(id string, l layer) (stage string, opts *archive.ApplyOptions, done func() error, err error) {
			stage, parentDir, done, err = d.stageApply(id, l.Parent)
			return stage, d.applyOptions(parentDir), done, err
		},
		Publish: func(id string, _ layer, stage string) error {
			return d.storeApplied(id, stage, parentDir)
		},
		RemoveLocked: d.removeLocked}
	return a.Apply(id, parent, diff)
}

// stageApply makes a work dir beside the views holding the empty stage a
// tar is unpacked into and, for a layer with a parent, a link farm of the
// parent's chain (or finds the kept one); done deletes the work dir.
func (d *Driver) stageApply(id, parent string) (stage, parentDir string, done func() error, err error) {
	work, err := os.MkdirTemp(d.viewsDir(), ".apply-"+id+"-")
	if err != nil {
		return "", "", nil, err
	}
	done = func() error { return layers.RemoveTree(work) }
	if parent != "" {
		if parentDir, err = d.farmOf(parent, work); err != nil {
			return "", "", nil, errors.Join(err, done())
		}
	}
	stage = filepath.Join(work, "stage")
	if err := os.Mkdir(stage, 0o700); err != nil {
		return "", "", nil, errors.Join(err, done())
	}
	return stage, parentDir, done, nil
}

// storeApplied stores the unpacked stage as layer id's canonical diff
// against parentDir, as a Put would: the stage composed as a link farm
// over the layer's chain, planned against the parent's and written.
func (d *Driver) storeApplied(id, stage, parentDir string) error {
	// The stage stands for the layer's diff: its root is the layer's.
	if err := d.cp.Copier.CopyDirMetadata(stage, d.diffDir(id)); err != nil {
		return err
	}
	layerDir := filepath.Join(filepath.Dir(stage), "layer")
	staged := &composer{farm: true, seen: make(map[devIno]bool)}
	if err := d.compose(layerDir, append([]string{stage}, d.chain(id)...), staged); err != nil {
		return err
	}
	return d.rewrite(id, layerDir, parentDir, func(k devIno) bool { return staged.seen[k] })
}

func (d *Driver) applyOptions(parentDir string) *archive.ApplyOptions {
	opts := &archive.ApplyOptions{
		Whiteouts: whiteout.AUFS,
		IDMap:     d.s.IDMap,
		// Without privilege and without an id map, owners cannot be kept:
		// files belong to the user running the store.
		IgnoreChownErrors: d.s.IDMap.Empty() && os.Geteuid() != 0,
	}
	if parentDir != "" {
		opts.Lower = archive.LowerIn(parentDir)
	}
	return opts
}
