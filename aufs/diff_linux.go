package aufs

import (
	"io"

	"github.com/layerfs/graphdriver"
)

// Changes lists what layer id changed relative to parent ("" means id's
// own parent). Against its own parent it walks only id's diff dir (see
// nativediff_linux.go); otherwise, or when that walk cannot be exact, it
// walks both merged views, an lstat of every entry of both.
func (d *Driver) Changes(id, parent string) ([]graphdriver.Change, error) {
	return d.diff.Changes(id, parent)
}

// Diff returns the canonical layer tar of id relative to parent ("" means
// id's own parent), by the native walk as in Changes; the content comes
// from the layer's merged view. Both layers count as in use (Remove is
// ErrBusy) until the reader is closed. AUFS's metadata never reaches it.
func (d *Driver) Diff(id, parent string) (io.ReadCloser, error) { return d.diff.Diff(id, parent) }

// DiffSize returns the bytes of file content Diff(id, parent) carries,
// by the native walk as in Changes.
func (d *Driver) DiffSize(id, parent string) (int64, error) { return d.diff.DiffSize(id, parent) }

// ApplyDiff unpacks the layer tar diff straight into the diff dir of layer
// id, whose parent is parent, with AUFS whiteouts (archive.Apply resolves
// every path inside the diff dir). Hardlinks to files of lower layers are
// copied in from the parent's merged view, mounted for the duration. On
// any error the layer is removed: archive.Apply guarantees nothing
// outside the diff dir was touched, and a rejected layer must not exist
// afterwards.
func (d *Driver) ApplyDiff(id, parent string, diff io.Reader) (int64, error) {
	return d.apply.Apply(id, parent, diff)
}
