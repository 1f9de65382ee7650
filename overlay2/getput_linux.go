package overlay2

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver/internal/mount"
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
	v, err := d.views.Get(id, mountLabel)
	return v.dir, err
}

// mountView mounts the view of layer l (see Get).
func (d *Driver) mountView(id string, l layer, label string) (view, error) {
	chain := d.s.Table.Ancestors(id)
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
		err = mountLegacy(spec, d.s.Home, merged, d.pageSize)
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
	return d.views.Put(id)
}

// unmountView unmounts a view Get mounted; the view of a base layer
// without children is its diff dir, with nothing to unmount.
func (d *Driver) unmountView(_ string, v view) error {
	if !v.mounted {
		return nil
	}
	return mount.Unmount(v.dir)
}
