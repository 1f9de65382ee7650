package vfs

import (
	"github.com/layerfs/graphdriver"
)

// Name is the name vfs registers under.
const Name = "vfs"

func init() { graphdriver.Register(Name, open) }

func open(home string, opts []string, idMap graphdriver.IDMap) (graphdriver.Driver, error) {
	return New(home, opts, idMap)
}

// Supported returns nil when vfs can keep a store under home on this
// machine, and an error wrapping graphdriver.ErrNotSupported saying why
// otherwise. It writes nothing.
func Supported(home string) error { return supported() }

// New opens the vfs store under home, creating it if needed. Half-made
// and half-removed layers left by a crash are purged. Recognized options:
// "vfs.xattrs=strict|skip-unsupported" (what to do when the filesystem
// refuses an xattr while copying a parent; default strict).
func New(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	return newDriver(home, opts, idMap)
}
