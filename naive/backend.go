package naive

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/fsprobe"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/internal/locker"
	"github.com/layerfs/graphdriver/internal/options"
)

// Name is the name the naive backend registers under.
const Name = "naive"

func init() {
	graphdriver.Register(Name, func(home string, opts []string, idMap graphdriver.IDMap) (graphdriver.Driver, error) {
		return New(home, opts, idMap)
	})
}

// Driver is the naive backend: layers stored as AUFS-form diffs, views
// composed in user space. It is safe for use from many goroutines.
type Driver struct {
	home    string
	idMap   graphdriver.IDMap
	rootUID int
	rootGID int
	copier  *cow.Copier
	fsName  string
	reflink bool

	locks locker.Locker                     // one per layer id, taken first by every method
	table *layers.Table[layerInfo]          // every layer, ready or in flight, and its references
	dirs  *layers.DirStore[layerInfo, meta] // diff/<id> dirs and meta/<id>.json records

	// diffsMu orders the rewrite of a layer's diff (the commit of a Put
	// or an ApplyDiff) with what reads other layers' diffs: Create of a
	// child and every compose hold it for reading, the commit for
	// writing, so a layer that gains a child is never rewritten after.
	diffsMu sync.RWMutex

	viewsMu sync.Mutex
	views   map[string]int // Get references per layer with a composed view

	farmBuildMu sync.Mutex        // one kept farm built at a time
	farmsMu     sync.Mutex        // guards farms
	farms       map[string]string // kept link farms of parents (see parentFarm)
}

// layerInfo is what naive keeps per layer beside its parent.
type layerInfo struct {
	ReadWrite bool
}

// Supported returns nil when naive can keep a store under home on this
// machine, and an error wrapping graphdriver.ErrNotSupported saying why
// otherwise. It needs no privilege and no kernel feature beyond Linux
// itself; it writes nothing.
func Supported(home string) error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("naive: %w on %s: views keep Linux metadata (owners, xattrs, devices)", graphdriver.ErrNotSupported, runtime.GOOS)
	}
	return nil
}

// New opens the naive store under home, creating it if needed, and puts
// right what a crash left: half-made, half-removed and half-folded
// layers, and views (a view is never kept across an open: writes not yet
// folded back by a Put are lost with the process). Recognized option:
// "naive.xattrs=strict|skip-unsupported" (what to do when the filesystem
// refuses an xattr while composing a view; default strict).
func New(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	if err := Supported(home); err != nil {
		return nil, err
	}
	parsed, err := options.Parse(Name, opts, "xattrs")
	if err != nil {
		return nil, err
	}
	copyOpts, err := layers.CopyOptions(Name, parsed)
	if err != nil {
		return nil, err
	}
	d := &Driver{home: home, idMap: idMap, table: layers.NewTable[layerInfo](Name),
		copier: cow.NewCopier(copyOpts), views: make(map[string]int), farms: make(map[string]string)}
	d.dirs = &layers.DirStore[layerInfo, meta]{Table: d.table, Dir: d.diffsDir(),
		Meta: layers.MetaFiles[meta]{Dir: d.metaDir()}, RemoveTree: removeTree}
	if d.rootUID, d.rootGID, err = layers.RootPair(Name, idMap); err != nil {
		return nil, err
	}
	if err := layers.MakeHome(Name, home, d.rootGID, d.diffsDir(), d.metaDir()); err != nil {
		return nil, err
	}
	if err := d.makeViewsDir(); err != nil {
		return nil, err
	}
	if err := d.load(); err != nil {
		return nil, err
	}
	d.fsName, _ = fsprobe.BackingFS(home)
	d.reflink, _ = cow.ReflinkSupported(home)
	return d, nil
}

// makeViewsDir makes views/ private (0700): the views hold copies of
// setuid binaries. Whatever it held is a leftover of an earlier process.
func (d *Driver) makeViewsDir() error {
	if err := removeTree(d.viewsDir()); err != nil {
		return fmt.Errorf("naive: open %s: purge views: %w", d.home, err)
	}
	if err := os.Mkdir(d.viewsDir(), 0o700); err != nil {
		return fmt.Errorf("naive: open %s: %w", d.home, err)
	}
	return nil
}

// String returns "naive".
func (d *Driver) String() string { return Name }

// Status reports the backing filesystem, whether views are reflinked,
// the number of layers and of composed views.
func (d *Driver) Status() [][2]string {
	d.viewsMu.Lock()
	views := len(d.views)
	d.viewsMu.Unlock()
	return [][2]string{
		{"Backing Filesystem", d.fsName},
		{"Reflink", strconv.FormatBool(d.reflink)},
		{"Layers", strconv.Itoa(d.table.Len())},
		{"Views", strconv.Itoa(views)},
	}
}

// GetMetadata returns the layer's diff directory, its view's path (which
// exists only while Get holds it), its parent and its kind.
func (d *Driver) GetMetadata(id string) (map[string]string, error) {
	l, err := d.table.Lookup("metadata", id)
	if err != nil {
		return nil, err
	}
	kind := "read-only"
	if l.Meta.ReadWrite {
		kind = "read-write"
	}
	return map[string]string{"DiffDir": d.diffDir(id), "MergedDir": d.viewDir(id), "Parent": l.Parent, "Kind": kind}, nil
}

// Exists reports whether layer id exists.
func (d *Driver) Exists(id string) bool {
	return d.table.Exists(id)
}

// Cleanup settles every view still held as its last Put would (a
// read-write layer without children keeps what was written into it) and
// discards it, the counterpart of the unmounts of a mounting backend.
// The driver must not be used afterwards.
func (d *Driver) Cleanup() error {
	d.viewsMu.Lock()
	ids := make([]string, 0, len(d.views))
	for id := range d.views {
		ids = append(ids, id)
	}
	d.viewsMu.Unlock()
	var errs []error
	for _, id := range ids {
		for n := d.mounted(id); n > 0; n-- {
			if err := d.Put(id); err != nil {
				errs = append(errs, fmt.Errorf("naive: cleanup: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

func (d *Driver) diffsDir() string         { return filepath.Join(d.home, "diff") }
func (d *Driver) metaDir() string          { return filepath.Join(d.home, "meta") }
func (d *Driver) viewsDir() string         { return filepath.Join(d.home, "views") }
func (d *Driver) diffDir(id string) string { return filepath.Join(d.diffsDir(), id) }
func (d *Driver) viewDir(id string) string { return filepath.Join(d.viewsDir(), id) }

// chain returns the diff directories of id and its ancestors, id first.
func (d *Driver) chain(id string) []string {
	ids := append([]string{id}, d.table.Ancestors(id)...)
	dirs := make([]string, len(ids))
	for i, a := range ids {
		dirs[i] = d.diffDir(a)
	}
	return dirs
}
