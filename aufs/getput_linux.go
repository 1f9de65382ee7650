package aufs

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/internal/mount"
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
	if _, err := d.views.Get(id, mountLabel); err != nil {
		return "", err
	}
	return d.mntDir(id), nil
}

// mountView mounts the view of layer l (see Get).
func (d *Driver) mountView(id string, l layer, label string) (view, error) {
	spec := viewSpec{diffRoot: d.diffRoot(), target: d.mntDir(id), label: label,
		lowers: d.s.Table.Ancestors(id), work: filepath.Join(d.workDir(id), "work")}
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
		return view{}, errors.Join(err, layers.RemoveTree(d.workDir(id)))
	}
	return v, nil
}

// makeWork makes work/<id>: the mount program's work dir, and an empty
// dir to stand as the lower of a base layer (fuse-overlayfs needs one).
func (d *Driver) makeWork(id string) error {
	if err := layers.RemoveTree(d.workDir(id)); err != nil {
		return err
	}
	if err := layers.MkdirOwned(d.workDir(id), 0o700, os.Geteuid(), os.Getegid()); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(d.workDir(id), "work"), 0o700); err != nil {
		return err
	}
	return layers.MkdirOwned(filepath.Join(d.workDir(id), "empty"), 0o755, d.s.RootUID, d.s.RootGID)
}

// Put releases a reference taken by Get; the last one unmounts the view
// (see unmount) and, after a mount program wrote into the layer, puts
// its diff dir in AUFS form (see normalize). The mount point stays.
func (d *Driver) Put(id string) error {
	return d.views.Put(id)
}

// unmountView unmounts the view of id, normalizes what a mount program
// wrote into a read-write view and removes the work dir.
func (d *Driver) unmountView(id string, v view) error {
	if err := mount.Unmount(d.mntDir(id)); err != nil {
		return err
	}
	var err error
	if v.rw && d.mnt.overlayMarkers() {
		err = normalize(d.diffDir(id))
	}
	return errors.Join(err, layers.RemoveTree(d.workDir(id)))
}
