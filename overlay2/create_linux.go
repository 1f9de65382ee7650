package overlay2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/layers"
)

// Create makes read-only layer id on top of parent. It costs a few
// mkdirs and small files: nothing is copied.
func (d *Driver) Create(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.s.Create(id, parent, opts, noQuota, func() error { return d.createLocked(id, parent, false) })
}

// CreateReadWrite makes container layer id; see Create.
func (d *Driver) CreateReadWrite(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.s.Create(id, parent, opts, noQuota, func() error { return d.createLocked(id, parent, true) })
}

// createLocked is Create or CreateReadWrite (rw) with id's lock held.
func (d *Driver) createLocked(id, parent string, rw bool) (retErr error) {
	link, err := d.reserve(id, parent, rw)
	if err != nil {
		return err
	}
	tmp := filepath.Join(d.s.Home, ".tmp-"+id)
	committed := false
	defer func() {
		if retErr != nil {
			if !committed {
				retErr = errors.Join(retErr, layers.RemoveTree(tmp))
			}
			d.release(id)
		}
	}()
	if err := d.buildLayer(tmp, link, parent, rw); err != nil {
		return fmt.Errorf("overlay2: create %s: %w", id, err)
	}
	// The rename is the commit point: before it a reopen purges the
	// temporary dir; after it a reopen rebuilds a missing l/ link.
	if err := os.Rename(tmp, d.layerDir(id)); err != nil {
		return fmt.Errorf("overlay2: create %s: %w", id, err)
	}
	committed = true
	if err := d.finishCreate(id, link, parent); err != nil {
		return errors.Join(fmt.Errorf("overlay2: create %s: %w", id, err), d.removeLocked(id, true))
	}
	return nil
}

// finishCreate links l/<link> to the new layer, marks the parent
// committed, as Docker does, and makes the layer visible.
func (d *Driver) finishCreate(id, link, parent string) error {
	if err := os.Symlink(filepath.Join("..", id, "diff"), filepath.Join(d.s.Home, linkDir, link)); err != nil {
		return err
	}
	if parent != "" {
		if err := os.WriteFile(filepath.Join(d.layerDir(parent), "committed"), nil, 0o600); err != nil {
			return err
		}
	}
	d.s.Table.SetReady(id, true)
	return nil
}

// reserve claims id and a fresh short link, and counts id as a child of
// parent, so a concurrent Remove of the parent fails with ErrHasChildren.
func (d *Driver) reserve(id, parent string, rw bool) (string, error) {
	d.mu.Lock()
	link, err := d.freshLinkLocked()
	if err == nil {
		d.links[link] = id
	}
	d.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("overlay2: create %s: %w", id, err)
	}
	if err := d.s.Table.Reserve(id, parent, layerInfo{link: link, rw: rw}); err != nil {
		d.mu.Lock()
		delete(d.links, link)
		d.mu.Unlock()
		return "", err
	}
	return link, nil
}

func (d *Driver) freshLinkLocked() (string, error) {
	for range 8 {
		link, err := newLink()
		if err != nil {
			return "", err
		}
		if _, taken := d.links[link]; !taken {
			return link, nil
		}
	}
	return "", errors.New("no free short link name")
}

// release forgets id and its link and uncounts it from its parent. The
// parent's committed file goes with its last child, so a failed Create
// leaves the home as it was (Docker leaves it; nothing reads it).
func (d *Driver) release(id string) {
	l, lastChild := d.s.Table.Release(id)
	d.mu.Lock()
	delete(d.links, l.Meta.link)
	d.mu.Unlock()
	if lastChild {
		_ = layers.RemoveIfExists(filepath.Join(d.layerDir(l.Parent), "committed"))
	}
}

// buildLayer makes the layer's files in dir, in Docker's layout: diff
// (owned by the remapped root), link, and for a child lower, work and
// merged. A read-write layer gets an empty "rw" file, which Docker ignores.
func (d *Driver) buildLayer(dir, link, parent string, rw bool) error {
	if err := layers.RemoveTree(dir); err != nil { // a leftover of a crashed create
		return err
	}
	if err := layers.MkdirOwned(dir, 0o710, os.Geteuid(), d.s.RootGID); err != nil {
		return err
	}
	if err := layers.MkdirOwned(filepath.Join(dir, "diff"), 0o755, d.s.RootUID, d.s.RootGID); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "link"), []byte(link), 0o644); err != nil {
		return err
	}
	if rw {
		if err := os.WriteFile(filepath.Join(dir, "rw"), nil, 0o600); err != nil {
			return err
		}
	}
	if err := layers.MkdirOwned(filepath.Join(dir, "merged"), 0o700, d.s.RootUID, d.s.RootGID); err != nil {
		return err
	}
	if parent == "" {
		return nil
	}
	lower, err := d.lowerOf(parent)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "lower"), []byte(lower), 0o644); err != nil {
		return err
	}
	return layers.MkdirOwned(filepath.Join(dir, "work"), 0o700, d.s.RootUID, d.s.RootGID)
}

// lowerOf returns the lower file of a child of parent: the parent's
// link, then the parent's own lower list.
func (d *Driver) lowerOf(parent string) (string, error) {
	lower := formatLower([]string{d.linkOf(parent)})
	b, err := os.ReadFile(filepath.Join(d.layerDir(parent), "lower"))
	if errors.Is(err, os.ErrNotExist) {
		return lower, nil
	}
	if err != nil {
		return "", err
	}
	return lower + ":" + string(b), nil
}

// noQuota says why the storage option "size" is ErrNotSupported.
const noQuota = "quota needs xfs project quotas; not implemented"
