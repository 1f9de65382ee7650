package overlay2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
)

// Get returns the merged view of layer id. A base layer without children
// is its diff dir itself, as in Docker: nothing is mounted; with children
// it is a read-only bind mount of its diff dir at <id>/merged. Any other
// layer gets an overlay at <id>/merged on the first Get: read-write with
// the layer's diff as upper, or, when the layer has children, read-only
// with its diff as the topmost lower, so a view of a parent cannot change
// what its children see. (A layer that gets children while mounted keeps
// its read-write mount until its last Put.) It costs one mount; nested
// Gets cost a map look-up.
func (d *Driver) Get(id, mountLabel string) (string, error) {
	if err := graphdriver.ValidateID(id); err != nil {
		return "", fmt.Errorf("overlay2: get: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	l, err := d.table.Lookup("get", id)
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	v, held := d.views[id]
	d.mu.Unlock()
	if !held {
		if v, err = d.mountView(id, l, mountLabel); err != nil {
			return "", fmt.Errorf("overlay2: get %s: %w", id, err)
		}
	}
	// id's lock is held: nothing removed the layer since the look-up.
	if _, err := d.table.Hold("get", id); err != nil {
		return "", err
	}
	d.mu.Lock()
	d.views[id] = v
	d.mu.Unlock()
	return v.dir, nil
}

// mountView mounts the view of layer l (see Get).
func (d *Driver) mountView(id string, l layer, label string) (view, error) {
	chain := d.table.Ancestors(id)
	if len(chain) == 0 && l.Children == 0 {
		return view{dir: d.diffDir(id)}, nil
	}
	merged := d.mergedDir(id)
	if err := os.Mkdir(merged, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return view{}, err // a Docker-made layer has no merged dir until mounted
	}
	if len(chain) == 0 {
		// overlayfs needs two lowers without an upper: a read-only bind.
		if err := bindReadOnly(d.diffDir(id), merged); err != nil {
			return view{}, err
		}
		return view{dir: merged, mounted: true}, nil
	}
	lowers, top := chain, ""
	if l.Children > 0 {
		lowers = append([]string{id}, chain...)
	} else {
		top = id
	}
	spec := d.spec(lowers, top, label)
	if err := spec.check(); err != nil {
		return view{}, err
	}
	var err error
	if d.probe.legacy {
		err = mountLegacy(spec, d.home, merged, d.pageSize)
	} else {
		err = mountNew(spec, merged)
	}
	if err != nil {
		return view{}, err
	}
	return view{dir: merged, mounted: true}, nil
}

// spec returns the mount of lowers (ids, nearest first) under the
// read-write layer top ("" for a read-only view). For mount(2) the paths
// are short and relative to the home: l/<link> and <id>/diff.
func (d *Driver) spec(lowers []string, top, label string) mountSpec {
	s := mountSpec{Label: label, UserXattr: d.probe.userXattr, Lowers: make([]string, len(lowers))}
	for i, id := range lowers {
		if d.probe.legacy {
			s.Lowers[i] = linkDir + "/" + d.linkOf(id)
		} else {
			s.Lowers[i] = d.diffDir(id)
		}
	}
	if top == "" {
		return s
	}
	if d.probe.legacy {
		s.Upper, s.Work = filepath.Join(top, "diff"), filepath.Join(top, "work")
	} else {
		s.Upper, s.Work = d.diffDir(top), filepath.Join(d.layerDir(top), "work")
	}
	return s
}

// Put releases a reference taken by Get; the last one unmounts the view
// (MNT_DETACH: files still open in it keep working until closed). The
// merged dir stays, empty.
func (d *Driver) Put(id string) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("overlay2: put: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	l, err := d.table.Lookup("put", id)
	if err != nil {
		return err
	}
	d.mu.Lock()
	v := d.views[id]
	d.mu.Unlock()
	n := l.Holds
	if n == 0 {
		return fmt.Errorf("overlay2: put %s: %w", id, graphdriver.ErrNotMounted)
	}
	if n == 1 && v.mounted {
		if err := unmount(v.dir); err != nil {
			return fmt.Errorf("overlay2: put %s: %w", id, err)
		}
	}
	if left, _ := d.table.Drop(id); left == 0 {
		d.mu.Lock()
		delete(d.views, id)
		d.mu.Unlock()
	}
	return nil
}
