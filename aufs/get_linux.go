package aufs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
)

// Get returns the merged view of layer id, mounted at mnt/<id> on the
// first Get: read-write over the layer's diff dir with its ancestors
// below, or, when the layer has children, read-only with its diff dir the
// topmost branch, so a view of a parent cannot change what its children
// see. (A layer that gets children while mounted keeps its read-write
// mount until its last Put.) Even a base layer is mounted, never handed
// out as its diff dir: that would show the AUFS metadata a Docker-made
// branch holds (.wh..wh.plnk and the rest) and take no whiteouts. It
// costs one mount (with a mount program, starting it); nested Gets cost a
// map look-up.
func (d *Driver) Get(id, mountLabel string) (string, error) {
	if err := graphdriver.ValidateID(id); err != nil {
		return "", fmt.Errorf("aufs: get: %w", err)
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
			return "", fmt.Errorf("aufs: get %s: %w", id, err)
		}
	}
	// id's lock is held: nothing removed the layer since the look-up.
	if _, err := d.table.Hold("get", id); err != nil {
		return "", errors.Join(err, d.unmountView(id, v))
	}
	d.mu.Lock()
	d.views[id] = v
	d.mu.Unlock()
	return d.mntDir(id), nil
}

// mountView mounts the view of layer l (see Get).
func (d *Driver) mountView(id string, l layer, label string) (view, error) {
	spec := viewSpec{diffRoot: d.diffRoot(), target: d.mntDir(id), label: label,
		lowers: d.table.Ancestors(id), work: filepath.Join(d.workDir(id), "work")}
	v := view{rw: l.Children == 0}
	if v.rw {
		spec.upper = id
	} else {
		spec.lowers = append([]string{id}, spec.lowers...)
	}
	if err := os.Mkdir(d.mntDir(id), 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return view{}, err
	}
	if v.rw || len(spec.lowers) == 0 {
		if err := d.makeWork(id); err != nil {
			return view{}, err
		}
	}
	if len(spec.lowers) == 0 && d.mnt.needsLower() {
		spec.lowers = []string{filepath.Join("..", workName, id, "empty")}
	}
	if err := d.mnt.mount(spec); err != nil {
		return view{}, errors.Join(err, os.RemoveAll(d.workDir(id)))
	}
	return v, nil
}

// makeWork makes work/<id>: the mount program's work dir, and an empty
// dir to stand as the lower of a base layer (fuse-overlayfs needs one).
func (d *Driver) makeWork(id string) error {
	if err := os.RemoveAll(d.workDir(id)); err != nil {
		return err
	}
	if err := mkdirOwned(d.workDir(id), 0o700, os.Geteuid(), os.Getegid()); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(d.workDir(id), "work"), 0o700); err != nil {
		return err
	}
	return mkdirOwned(filepath.Join(d.workDir(id), "empty"), 0o755, d.rootUID, d.rootGID)
}

// Put releases a reference taken by Get; the last one unmounts the view
// (see unmount) and, after a mount program wrote into the layer, puts
// its diff dir in AUFS form (see normalize). The mount point stays.
func (d *Driver) Put(id string) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("aufs: put: %w", err)
	}
	d.locks.Lock(id)
	defer d.locks.Unlock(id)
	l, err := d.table.Lookup("put", id)
	if err != nil {
		return err
	}
	if l.Holds == 0 {
		return fmt.Errorf("aufs: put %s: %w", id, graphdriver.ErrNotMounted)
	}
	d.mu.Lock()
	v := d.views[id]
	d.mu.Unlock()
	if l.Holds == 1 {
		if err := d.unmountView(id, v); err != nil {
			return fmt.Errorf("aufs: put %s: %w", id, err)
		}
	}
	if left, _ := d.table.Drop(id); left == 0 {
		d.mu.Lock()
		delete(d.views, id)
		d.mu.Unlock()
	}
	return nil
}

// unmountView unmounts the view of id, normalizes what a mount program
// wrote into a read-write view and removes the work dir.
func (d *Driver) unmountView(id string, v view) error {
	if err := d.mnt.unmount(d.mntDir(id)); err != nil {
		return err
	}
	var err error
	if v.rw && d.mnt.overlayMarkers() {
		err = normalize(d.diffDir(id))
	}
	return errors.Join(err, os.RemoveAll(d.workDir(id)))
}
