package naive

import (
	"github.com/layerfs/graphdriver"
)

// Name is the name the naive backend registers under.
const Name = "naive"

func init() { graphdriver.Register(Name, open) }

func open(home string, opts []string, idMap graphdriver.IDMap) (graphdriver.Driver, error) {
	return New(home, opts, idMap)
}

// Supported returns nil when naive can keep a store under home on this
// machine, and an error wrapping graphdriver.ErrNotSupported saying why
// otherwise. It needs no privilege and no kernel feature beyond Linux
// itself; it writes nothing.
func Supported(home string) error { return supported() }

// New opens the naive store under home, creating it if needed, and puts
// right what a crash left: half-made, half-removed and half-folded
// layers, and views (a view is never kept across an open: writes not yet
// folded back by a Put are lost with the process). Recognized option:
// "naive.xattrs=strict|skip-unsupported" (what to do when the filesystem
// refuses an xattr while composing a view; default strict).
func New(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	return newDriver(home, opts, idMap)
}
