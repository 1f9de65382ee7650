package overlay2

import (
	"github.com/layerfs/graphdriver"
)

// Name is the name overlay2 registers under.
const Name = "overlay2"

func init() { graphdriver.Register(Name, open) }

func open(home string, opts []string, idMap graphdriver.IDMap) (graphdriver.Driver, error) {
	return New(home, opts, idMap)
}

// New opens the overlay2 store under home, creating it if needed. It
// probes the kernel and the backing filesystem first (see Supported) and
// returns an error wrapping graphdriver.ErrNotSupported, saying why,
// when overlayfs cannot work here. Overlay mounts left under home by a
// previous process are unmounted, and half-made and half-removed layers
// purged.
//
// Recognized options: "overlay2.mount_api=auto|new|legacy" (auto: the new
// mount API with lowerdir+ where the kernel has it, else mount(2); new
// and legacy force one, for tests and to work around a kernel bug).
func New(home string, opts []string, idMap graphdriver.IDMap) (*Driver, error) {
	return newDriver(home, opts, idMap)
}

// Supported returns nil when overlay2 can keep a store under home on this
// machine, and an error wrapping graphdriver.ErrNotSupported saying why
// otherwise. It runs the probes of New in a temporary directory inside
// home (or inside its nearest existing ancestor) and removes it.
func Supported(home string) error { return supported(home) }
