package layerdiff

import (
	"fmt"
	"io"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/internal/fstree"
)

// Changes lists what the tree layer changed relative to the tree parent
// ("" for an empty tree), sorted by path (rules 1 to 5 of the package
// documentation). It is nil when nothing changed. It costs one walk of
// both trees: an lstat and an xattr listing per entry, plus content reads
// of same-size regular files with whole-second mtimes.
func Changes(layer, parent string) ([]graphdriver.Change, error) {
	w, err := walk(layer, parent)
	if err != nil {
		return nil, fmt.Errorf("layerdiff: changes of %s: %w", layer, err)
	}
	return w.changes, nil
}

// Plan returns the entries of the canonical layer tar of layer relative
// to parent, in tar order (rules 1 to 7): what archive.Write(w, layer,
// entries, opts) turns into Diff's bytes. A changed path whose name starts
// with ".wh." cannot be carried by a layer tar: it is an error wrapping
// graphdriver.ErrInvalidLayer.
func Plan(layer, parent string) ([]archive.Entry, error) {
	w, err := walk(layer, parent)
	if err == nil {
		err = w.reserved
	}
	if err != nil {
		return nil, fmt.Errorf("layerdiff: plan diff of %s: %w", layer, err)
	}
	return w.entries, nil
}

// Diff returns the canonical layer tar of layer relative to parent. The
// walk happens before Diff returns (its errors come from Diff); the tar
// is then written as it is read, with constant memory, by a goroutine
// that Close stops. Owners are mapped back to container ids with idMap.
// An entry that cannot be read while the tar is written is an error from
// Read naming the path.
func Diff(layer, parent string, idMap graphdriver.IDMap) (io.ReadCloser, error) {
	entries, err := Plan(layer, parent)
	if err != nil {
		return nil, err
	}
	return archive.NewReader(layer, entries, &archive.WriteOptions{IDMap: idMap}), nil
}

// DiffSize returns the bytes of regular file content that Diff would
// carry, counting the content of a hardlinked inode once. It costs what
// Changes costs.
func DiffSize(layer, parent string) (int64, error) {
	w, err := walk(layer, parent)
	if err != nil {
		return 0, fmt.Errorf("layerdiff: diff size of %s: %w", layer, err)
	}
	return w.size, nil
}

// Comparer judges one path that both trees hold by rules 3 and 4 of the
// package doc: its own type, permission bits, owner, mtime, size or
// device numbers, symlink target, exported xattrs, and content where the
// mtime cannot be trusted. It looks neither below a directory nor at
// hardlink groups. A backend's native diff uses it to decide each path
// exactly as the walk does. It reuses buffers: one goroutine at a time.
type Comparer struct{ pc pathCompare }

// NewComparer compares paths of the trees rooted at layer and parent.
func NewComparer(layer, parent string) *Comparer {
	return &Comparer{pc: pathCompare{layer: layer, parent: parent}}
}

// Differs reports whether the entry rel, present in both trees, differs.
func (c *Comparer) Differs(rel string) (bool, error) {
	u, err := fstree.Lstat(c.pc.layerPath(rel))
	if err != nil {
		return false, err
	}
	l, err := fstree.Lstat(c.pc.parentPath(rel))
	if err != nil {
		return false, err
	}
	return c.pc.differs(rel, &u, &l)
}
