package aufs

import (
	"github.com/layerfs/graphdriver"
)

// Name is the name aufs registers under.
const Name = "aufs"

func init() { graphdriver.Register(Name, open) }

func open(home string, opts []string, idMap graphdriver.IDMap) (graphdriver.Driver, error) {
	return New(home, opts, idMap)
}

// New opens the aufs store under home, creating it if needed: Docker's
// aufs layout (see the package documentation), so a store Docker's aufs
// driver wrote opens as is. Views are mounted with kernel aufs where the
// kernel has it, or with the mount program the options name. Without
// either New returns an error wrapping graphdriver.ErrNotSupported saying
// why. Mounts left under home by a previous process are unmounted, and
// half-made and half-removed layers purged.
//
// Recognized options: "aufs.mount_program=<program>" mounts views with
// that program instead of kernel aufs: fuse-overlayfs, or a path to it
// (any program taking fuse-overlayfs's lowerdir/upperdir/workdir options
// and reading AUFS whiteouts).
func New(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	return newDriver(home, opts, idMap)
}

// Supported returns nil when aufs can keep a store under home on this
// machine with the given options, and an error wrapping
// graphdriver.ErrNotSupported saying why otherwise: no kernel aufs (after
// trying modprobe) and no aufs.mount_program, a mount program that is not
// installed, no /dev/fuse, or not root. It writes nothing under home.
func Supported(home string, opts ...string) error {
	_, err := probe(opts)
	return err
}
