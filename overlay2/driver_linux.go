package overlay2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/locker"
	"github.com/layerfs/graphdriver/internal/options"
	"github.com/layerfs/graphdriver/internal/refcount"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// Driver is the overlay2 backend. It is safe for use from many goroutines.
type Driver struct {
	home     string // absolute, symlinks resolved: compared with the mount table
	idMap    graphdriver.IDMap
	rootUID  int
	rootGID  int
	probe    probeResult
	pageSize int

	locks  locker.Locker     // one per layer id, taken first by every method
	refs   refcount.Counter  // Get references per id
	mu     sync.Mutex        // guards store, links and views
	store  map[string]*layer // every layer, ready or in flight
	links  map[string]string // short link name -> layer id
	views  map[string]view   // layers held by Get: what Get returned
	closed bool
}

// layer is what the driver knows of one layer. A layer is in store from
// the moment a Create reserves its id until its Remove completes.
type layer struct {
	parent   string
	link     string
	rw       bool
	ready    bool // false while being created or removed
	children int  // layers whose parent this is, including ones in flight
}

// view is a layer's merged view while Get references it.
type view struct {
	dir     string
	mounted bool // dir is an overlay mount of ours (else the diff dir itself)
}

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
	d := &Driver{idMap: idMap, pageSize: unix.Getpagesize(),
		store: map[string]*layer{}, links: map[string]string{}, views: map[string]view{}}
	if d.rootUID, d.rootGID, err = idMap.RootPair(); err != nil {
		return nil, fmt.Errorf("overlay2: id map: root %w", err)
	}
	if d.home, err = filepath.Abs(home); err != nil {
		return nil, fmt.Errorf("overlay2: open %s: %w", home, err)
	}
	if d.probe, err = runProbes(d.home, api); err != nil {
		return nil, err
	}
	if err := d.makeHome(); err != nil {
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

// makeHome creates home and l/. Like Docker's, home is 0710 so other
// users cannot reach setuid binaries inside layers (CVE-2021-41091), with
// the remapped root's group able to pass.
func (d *Driver) makeHome() error {
	for _, dir := range []string{d.home, filepath.Join(d.home, linkDir)} {
		if err := os.MkdirAll(dir, 0o710); err != nil {
			return fmt.Errorf("overlay2: open %s: %w", d.home, err)
		}
		if err := os.Chmod(dir, 0o710); err != nil {
			return fmt.Errorf("overlay2: open %s: %w", d.home, err)
		}
		if d.rootGID != os.Getegid() {
			if err := os.Lchown(dir, os.Geteuid(), d.rootGID); err != nil {
				return fmt.Errorf("overlay2: open %s: %w", d.home, err)
			}
		}
	}
	real, err := filepath.EvalSymlinks(d.home)
	if err != nil {
		return fmt.Errorf("overlay2: open %s: %w", d.home, err)
	}
	d.home = real
	return nil
}

// String returns "overlay2".
func (d *Driver) String() string { return Name }

// Status reports the probes made at open and the number of layers.
func (d *Driver) Status() [][2]string {
	d.mu.Lock()
	n := len(d.store)
	d.mu.Unlock()
	p := d.probe
	return [][2]string{
		{"Backing Filesystem", p.fsName},
		{"Supports d_type", strconv.FormatBool(p.dType)},
		{"Mount API", p.api},
		{"Max Depth", strconv.Itoa(p.maxDepth)},
		{"User Xattr", strconv.FormatBool(p.userXattr)},
		{"Native Overlay Diff", "false (diffs walk the merged views)"},
		{"Layers", strconv.Itoa(n)},
	}
}

// GetMetadata returns what Docker's overlay2 returns: LowerDir (the
// parents' diff dirs, nearest first, ':'-joined; absent for a base
// layer), UpperDir, WorkDir and MergedDir.
func (d *Driver) GetMetadata(id string) (map[string]string, error) {
	if _, err := d.lookup("metadata", id); err != nil {
		return nil, err
	}
	md := map[string]string{
		"UpperDir":  d.diffDir(id),
		"WorkDir":   filepath.Join(d.layerDir(id), "work"),
		"MergedDir": d.mergedDir(id),
	}
	if chain := d.chain(id); len(chain) > 0 {
		dirs := make([]string, len(chain))
		for i, p := range chain {
			dirs[i] = d.diffDir(p)
		}
		md["LowerDir"] = strings.Join(dirs, ":")
	}
	return md, nil
}

// Exists reports whether layer id exists.
func (d *Driver) Exists(id string) bool {
	_, err := d.lookup("exists", id)
	return err == nil
}

// Cleanup unmounts every view this driver mounted and forgets the
// references; layers stay. Mounts of others are left alone.
func (d *Driver) Cleanup() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for id, v := range d.views {
		if v.mounted {
			errs = append(errs, unmount(v.dir))
		}
		delete(d.views, id)
		for d.refs.Count(id) > 0 {
			d.refs.Decrement(id)
		}
	}
	d.closed = true
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("overlay2: cleanup %s: %w", d.home, err)
	}
	return nil
}

// lookup returns a copy of the ready layer id.
func (d *Driver) lookup(op, id string) (layer, error) {
	if err := graphdriver.ValidateID(id); err != nil {
		return layer{}, fmt.Errorf("overlay2: %s: %w", op, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.store[id]
	if !ok || !l.ready {
		return layer{}, fmt.Errorf("overlay2: %s %s: %w", op, id, graphdriver.ErrNotFound)
	}
	return *l, nil
}

// chain returns the ancestors of id, nearest first.
func (d *Driver) chain(id string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for l := d.store[id]; l != nil && l.parent != ""; l = d.store[l.parent] {
		out = append(out, l.parent)
	}
	return out
}

// whiteoutFormat is how whiteouts are stored in diff dirs.
func (d *Driver) whiteoutFormat() whiteout.Format {
	if d.probe.userXattr {
		return whiteout.OverlayUserXattr
	}
	return whiteout.Overlay
}

func (d *Driver) layerDir(id string) string  { return filepath.Join(d.home, id) }
func (d *Driver) diffDir(id string) string   { return filepath.Join(d.home, id, "diff") }
func (d *Driver) mergedDir(id string) string { return filepath.Join(d.home, id, "merged") }
