// Package graphdriver is the contract of a container layer store: the
// Driver interface, its data types, its sentinel errors and the registry
// of backends. The backends live in their own packages (vfs, overlay2,
// aufs, naive); import the ones a program wants, as with database/sql
// drivers.
//
// # Vocabulary
//
//   - A layer is a set of filesystem changes with an id and at most one
//     parent. Its merged view is the root filesystem that results from
//     applying its chain of ancestors, oldest first, and then the layer.
//   - A read-only layer (Create) is an image layer: it is filled once, by
//     ApplyDiff, and never changes afterwards.
//   - A read-write layer (CreateReadWrite) is a container layer: a runtime
//     writes into its merged view, and Diff captures what it wrote.
//   - A diff is an OCI layer tar: the changes of a layer relative to its
//     parent, with deletions as ".wh.<name>" whiteout entries and a
//     directory whose lower contents are hidden as ".wh..wh..opq".
//   - A backend is one implementation of Driver: vfs (full copies),
//     overlay2 (kernel overlayfs), aufs, naive (userspace, no mounts).
//   - A backend's home is the directory holding its whole store.
//
// # Lifecycle
//
// Pulling an image and running a container on it:
//
//	d.Create("base", "", nil)            // image layer 1
//	d.ApplyDiff("base", "", tar1)        // fill it from the registry's tar
//	d.Create("app", "base", nil)         // image layer 2, on top
//	d.ApplyDiff("app", "base", tar2)
//	d.CreateReadWrite("ctr", "app", nil) // the container's layer
//	dir, _ := d.Get("ctr", "")           // merged view: base+app+ctr
//	...                                  // the container writes under dir
//	d.Put("ctr")                         // release the view
//	rc, _ := d.Diff("ctr", "app")        // commit: what the container changed
//
// A layer can be removed once it has no children and no Get reference.
//
// # Reference counting and concurrency
//
// Get and Put are counted per layer: every Get needs one Put, nested Gets
// of one layer return the same directory, and only the last Put unmounts
// (or, for backends that compose the view, releases it). Put without a
// matching Get returns ErrNotMounted. Every method is safe to call from
// many goroutines; operations on one id are serialized, operations on
// different ids run in parallel.
//
// # Errors
//
// Errors wrap the sentinels below, so callers use errors.Is; their
// messages name the backend, the operation and the id
// ("vfs: remove base: 1 children: layer has children"). Errors of the
// operating system stay reachable too (errors.Is(err, unix.EBUSY)).
//
//   - ErrInvalidID: an id outside [A-Za-z0-9][A-Za-z0-9_.-]{0,127}.
//   - ErrExists: Create of a taken id.
//   - ErrNotFound: the layer or the parent does not exist.
//   - ErrHasChildren, ErrBusy: Remove of a parent or of a layer in use.
//   - ErrNotMounted: Put without Get.
//   - ErrNotSupported: the backend cannot do this here; the message says why.
//   - ErrInvalidLayer: a hostile or malformed layer tar; the message names
//     the entry, nothing outside the layer was written, and the layer does
//     not exist afterwards (ApplyDiff removes it).
//
// A failed Create leaves nothing behind, and a crash at any point leaves
// either the whole layer or nothing once the store is opened again.
//
// # Choosing a backend
//
// New(name, root, options, idMap) opens the named backend with its home at
// root/name, as Docker lays out /var/lib/docker. With name "" it opens the
// backend that already has state under root, or else the first of
// Priority that works on this machine, and reports why each other one was
// rejected.
//
// # Packages
//
// ARCHITECTURE.md at the module root maps the packages, which way imports
// go, and where each Driver method does its work in each backend. The
// diff rules every backend keeps are package layerdiff's; layer tars are
// package archive's.
//
// # When not to use it
//
// This package holds no backend: a program that imports only it gets
// ErrNotSupported from New. It is not an image store either: manifests,
// configs and tags are the runtime's; a layer here is a tree and its
// parent, named by the caller's id.
package graphdriver
