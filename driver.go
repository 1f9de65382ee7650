package graphdriver

import (
	"io"
)

// Driver stores layers and presents any layer as a merged root filesystem.
// See the package documentation for the vocabulary, the lifecycle and the
// error contract every implementation keeps.
type Driver interface {
	// String returns the backend's name, as registered ("vfs", "overlay2").
	String() string

	// Create makes a read-only (image) layer id on top of parent; parent ""
	// makes an empty root directory (mode 0755, owned by the remapped root).
	// A taken id is ErrExists, a missing parent ErrNotFound, an invalid id
	// ErrInvalidID, a "size" storage option on a backend without quota
	// ErrNotSupported. A failed Create leaves nothing behind.
	Create(id, parent string, opts *CreateOpts) error

	// CreateReadWrite is Create for a container layer: the one a runtime
	// writes into through Get. The errors are those of Create.
	CreateReadWrite(id, parent string, opts *CreateOpts) error

	// Remove deletes layer id. A layer with children is ErrHasChildren, a
	// layer held by Get is ErrBusy, a missing id ErrNotFound. Removal is
	// crash-safe: the layer is renamed aside before it is deleted, so a
	// crash leaves either the whole layer or nothing a reopen will not purge.
	Remove(id string) error

	// Get returns the absolute path of layer id's merged view, mounting or
	// composing it on the first call. Calls are reference-counted per id:
	// every Get needs a Put. mountLabel is an SELinux context, "" for none.
	Get(id, mountLabel string) (dir string, err error)

	// Put releases one reference taken by Get; the last one unmounts.
	// Put without a matching Get is an error (ErrNotMounted), never a panic.
	Put(id string) error

	// Exists reports whether layer id exists.
	Exists(id string) bool

	// Status returns key/value pairs describing the backend and its probes,
	// in a stable order, for display.
	Status() [][2]string

	// GetMetadata returns backend-specific facts about layer id (for
	// overlay2: LowerDir, UpperDir, WorkDir, MergedDir).
	GetMetadata(id string) (map[string]string, error)

	// Cleanup unmounts everything this driver mounted and nothing else.
	// The driver must not be used afterwards.
	Cleanup() error

	// Diff returns the changes of layer id relative to parent as an OCI
	// layer tar in canonical form. parent "" means the layer's own parent.
	Diff(id, parent string) (io.ReadCloser, error)

	// Changes lists what layer id changed relative to parent, sorted by
	// path. parent "" means the layer's own parent.
	Changes(id, parent string) ([]Change, error)

	// ApplyDiff unpacks the OCI layer tar diff into layer id, whose parent
	// is parent, and returns the number of bytes of file content written.
	// A rejected tar is ErrInvalidLayer naming the entry; nothing outside
	// the layer was written and the layer is removed.
	ApplyDiff(id, parent string, diff io.Reader) (size int64, err error)

	// DiffSize returns the bytes of file content that Diff(id, parent)
	// would carry.
	DiffSize(id, parent string) (size int64, err error)
}

// CreateOpts are the optional arguments of Create and CreateReadWrite.
type CreateOpts struct {
	// MountLabel is an SELinux context applied to the layer's mounts.
	MountLabel string
	// StorageOpt holds per-layer options such as "size" (a quota, where
	// the backend supports one).
	StorageOpt map[string]string
}

// ChangeKind says how a path changed between a layer and its parent.
// The values match Docker's archive.ChangeType.
type ChangeKind int

const (
	// ChangeModify: the path exists in both and differs.
	ChangeModify ChangeKind = iota
	// ChangeAdd: the path is new in the layer.
	ChangeAdd
	// ChangeDelete: the path was removed by the layer.
	ChangeDelete
)

// String returns "C", "A" or "D", as Docker prints them.
func (k ChangeKind) String() string {
	switch k {
	case ChangeModify:
		return "C"
	case ChangeAdd:
		return "A"
	case ChangeDelete:
		return "D"
	}
	return "?"
}

// Change is one changed path. Path is absolute and cleaned ("/etc/hosts").
type Change struct {
	Path string
	Kind ChangeKind
}

// String returns the change as Docker prints it: "C /etc/hosts".
func (c Change) String() string {
	return c.Kind.String() + " " + c.Path
}
