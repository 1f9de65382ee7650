package overlay2

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/layerdiff"
	"github.com/layerfs/graphdriver/whiteout"
)

// Driver is the overlay2 backend. It is safe for use from many goroutines.
type Driver struct {
	s        *layers.Store[layerInfo] // home, id map, per-id locks, layer table
	probe    probeResult
	pageSize int

	views *layers.Views[layerInfo, view] // layers held by Get: what Get returned
	diff  layerdiff.Differ               // Changes, Diff, DiffSize: the upper walk, else both views
	apply *layers.Applier[layerInfo]     // ApplyDiff: straight into the diff dir
	mu    sync.Mutex                     // guards links
	links map[string]string              // short link name -> layer id
}

// layerInfo is what overlay2 keeps per layer beside its parent.
type layerInfo struct {
	link string // the short name of its l/ link
	rw   bool
}

// layer is a copy of what the table knows of one layer.
type layer = layers.Layer[layerInfo]

// view is a layer's merged view while Get references it.
type view struct {
	dir     string
	mounted bool // dir is an overlay mount of ours (else the diff dir itself)
}

// String returns "overlay2".
func (d *Driver) String() string { return Name }

// Status reports the probes made at open and the number of layers.
func (d *Driver) Status() [][2]string {
	n := d.s.Table.Len()
	p := d.probe
	return [][2]string{
		{"Backing Filesystem", p.fsName},
		{"Supports d_type", strconv.FormatBool(p.dType)},
		{"Mount API", p.api},
		{"Max Depth", strconv.Itoa(p.maxDepth)},
		{"User Xattr", strconv.FormatBool(p.userXattr)},
		{"Native Overlay Diff", nativeStatus(p.notExact)},
		{"Layers", strconv.Itoa(n)},
	}
}

func nativeStatus(notExact string) string {
	if notExact != "" {
		return "false (" + notExact + ")"
	}
	return "true (walks the upper dir; full walk for hardlinks, redirects, metacopy, other parents)"
}

// GetMetadata returns what Docker's overlay2 returns: LowerDir (the
// parents' diff dirs, nearest first, ':'-joined; absent for a base
// layer), UpperDir, WorkDir and MergedDir.
func (d *Driver) GetMetadata(id string) (map[string]string, error) {
	if _, err := d.s.Table.Lookup("metadata", id); err != nil {
		return nil, err
	}
	md := map[string]string{
		"UpperDir":  d.diffDir(id),
		"WorkDir":   filepath.Join(d.layerDir(id), "work"),
		"MergedDir": d.mergedDir(id),
	}
	if chain := d.s.Table.Ancestors(id); len(chain) > 0 {
		dirs := make([]string, len(chain))
		for i, p := range chain {
			dirs[i] = d.diffDir(p)
		}
		md["LowerDir"] = strings.Join(dirs, ":")
	}
	return md, nil
}

// Exists reports whether layer id exists.
func (d *Driver) Exists(id string) bool { return d.s.Exists(id) }

// Cleanup unmounts every view this driver mounted and forgets the
// references; layers stay. Mounts of others are left alone.
func (d *Driver) Cleanup() error {
	if err := d.views.Cleanup(); err != nil {
		return fmt.Errorf("overlay2: cleanup %s: %w", d.s.Home, err)
	}
	return nil
}

// linkOf returns the short link name of layer id.
func (d *Driver) linkOf(id string) string {
	l, _ := d.s.Table.Lookup("link", id)
	return l.Meta.link
}

// whiteoutFormat is how whiteouts are stored in diff dirs.
func (d *Driver) whiteoutFormat() whiteout.Format {
	if d.probe.userXattr {
		return whiteout.OverlayUserXattr
	}
	return whiteout.Overlay
}

func (d *Driver) layerDir(id string) string  { return filepath.Join(d.s.Home, id) }
func (d *Driver) diffDir(id string) string   { return filepath.Join(d.s.Home, id, "diff") }
func (d *Driver) mergedDir(id string) string { return filepath.Join(d.s.Home, id, "merged") }
