package overlay2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/internal/mount"
	"github.com/layerfs/graphdriver/internal/options"
	"github.com/layerfs/graphdriver/internal/upperdiff"
	"github.com/layerfs/graphdriver/layerdiff"
	"golang.org/x/sys/unix"
)

func newDriver(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("overlay2: open %s: %w: mounting overlayfs needs root or a user namespace (running as uid %d)",
			home, graphdriver.ErrNotSupported, os.Geteuid())
	}
	parsed, err := options.Parse(Name, opts, "mount_api")
	if err != nil {
		return nil, err
	}
	api, err := parseMountAPI(parsed["mount_api"])
	if err != nil {
		return nil, err
	}
	d := &Driver{s: layers.NewStore[layerInfo](Name, home, idMap), pageSize: unix.Getpagesize(), links: map[string]string{}}
	d.views = &layers.Views[layerInfo, view]{Table: d.s.Table, Locks: &d.s.Locks, Mount: d.mountView, Unmount: d.unmountView}
	d.diff = layerdiff.Differ{Backend: Name, IDMap: idMap, Native: upperdiff.Native(d.upperDir), Views: layerdiff.MountedViews(d, d.s.Table.DiffParent)}
	d.apply = &layers.Applier[layerInfo]{Store: d.s, RemoveLocked: func(id string) error { return d.removeLocked(id, false) },
		Prepare: layers.IntoDir[layerInfo](d, d.diffDir, func() archive.ApplyOptions {
			return archive.ApplyOptions{Whiteouts: d.whiteoutFormat(), IDMap: idMap}
		})}
	if d.s.RootUID, d.s.RootGID, err = idMap.RootPair(); err != nil {
		return nil, fmt.Errorf("overlay2: id map: root %w", err)
	}
	if d.s.Home, err = filepath.Abs(home); err != nil {
		return nil, fmt.Errorf("overlay2: open %s: %w", home, err)
	}
	if d.probe, err = runProbes(d.s.Home, api); err != nil {
		return nil, err
	}
	if d.s.Home, err = layers.MakeRealHome(Name, d.s.Home, d.s.RootGID, filepath.Join(d.s.Home, linkDir)); err != nil {
		return nil, err
	}
	if err := d.load(); err != nil {
		return nil, err
	}
	return d, nil
}

func parseMountAPI(v string) (string, error) {
	switch v {
	case "", "auto":
		return "auto", nil
	case "new", "legacy":
		return v, nil
	}
	return "", fmt.Errorf("overlay2: option overlay2.mount_api=%q: want auto, new or legacy", v)
}

// load reads the store into memory and reconciles what a crash left.
// Mounts under home (overlays, and read-only binds of base layers) belong to a previous process that did not
// Put them (it crashed, or was killed): nothing of ours references them,
// so they are unmounted (lazily) rather than adopted; a runtime that
// restarts asks for its views again with Get. Then temporary and
// removed layers are purged, and missing l/ links rebuilt from each
// layer's link file (moby#35747).
func (d *Driver) load() error {
	if err := mount.UnmountAllUnder(d.s.Home); err != nil {
		return fmt.Errorf("overlay2: open %s: unmount stale views: %w", d.s.Home, err)
	}
	entries, err := os.ReadDir(d.s.Home)
	if err != nil {
		return fmt.Errorf("overlay2: open %s: %w", d.s.Home, err)
	}
	for _, e := range entries {
		name := e.Name()
		if isLeftover(name) {
			if err := layers.Purge(filepath.Join(d.s.Home, name)); err != nil {
				return fmt.Errorf("overlay2: open %s: purge %s: %w", d.s.Home, name, err)
			}
			continue
		}
		if !e.IsDir() || name == linkDir || graphdriver.ValidateID(name) != nil {
			continue // not a layer; leave it alone
		}
		if err := d.loadLayer(name); err != nil {
			return fmt.Errorf("overlay2: open %s: layer %s: %w", d.s.Home, name, err)
		}
	}
	if err := d.resolveParents(); err != nil {
		return fmt.Errorf("overlay2: open %s: %w", d.s.Home, err)
	}
	if err := d.repairLinks(); err != nil {
		return fmt.Errorf("overlay2: open %s: rebuild l/: %w", d.s.Home, err)
	}
	return nil
}

func isLeftover(name string) bool {
	return strings.HasPrefix(name, ".tmp-") || strings.HasPrefix(name, ".removing-") ||
		strings.HasPrefix(name, probePrefix)
}

// loadLayer records layer id from its link file, making a link for a
// layer without one (made by an old Docker).
func (d *Driver) loadLayer(id string) error {
	if _, err := os.Stat(d.diffDir(id)); err != nil {
		return fmt.Errorf("%w: no diff dir: %w", graphdriver.ErrInvalidLayer, err)
	}
	b, err := os.ReadFile(filepath.Join(d.layerDir(id), "link"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	link := strings.TrimSpace(string(b))
	if _, taken := d.links[link]; !validLink(link) || taken {
		if link, err = d.freshLinkLocked(); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(d.layerDir(id), "link"), []byte(link), 0o644); err != nil {
			return err
		}
	}
	_, rwErr := os.Stat(filepath.Join(d.layerDir(id), "rw"))
	d.s.Table.Load(id, "", layerInfo{link: link, rw: rwErr == nil})
	d.links[link] = id
	return nil
}

// resolveParents finds each layer's parent: the layer whose link is the
// first entry of its lower file, and counts children.
func (d *Driver) resolveParents() error {
	for _, id := range d.s.Table.IDs() {
		b, err := os.ReadFile(filepath.Join(d.layerDir(id), "lower"))
		if errors.Is(err, os.ErrNotExist) {
			continue // a base layer
		}
		if err != nil {
			return fmt.Errorf("layer %s: %w", id, err)
		}
		links, err := parseLower(string(b))
		if err != nil {
			return fmt.Errorf("layer %s: %w: %w", id, graphdriver.ErrInvalidLayer, err)
		}
		for _, link := range links {
			if _, ok := d.links[link]; !ok {
				return fmt.Errorf("layer %s: lower layer l/%s has no layer: %w", id, link, graphdriver.ErrInvalidLayer)
			}
		}
		if len(links) > 0 {
			d.s.Table.SetParent(id, d.links[links[0]])
		}
	}
	d.s.Table.CountChildren()
	return nil
}

// repairLinks makes l/<link> -> ../<id>/diff for every layer, replacing
// wrong ones, and deletes links whose target is gone.
func (d *Driver) repairLinks() error {
	dir := filepath.Join(d.s.Home, linkDir)
	for _, id := range d.s.Table.IDs() {
		want := filepath.Join("..", id, "diff")
		path := filepath.Join(dir, d.linkOf(id))
		if got, err := os.Readlink(path); err == nil && got == want {
			continue
		}
		if err := layers.RemoveIfExists(path); err != nil {
			return err
		}
		if err := os.Symlink(want, path); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name())); errors.Is(err, os.ErrNotExist) {
			if err := layers.RemoveIfExists(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
