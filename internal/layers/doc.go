// Package layers holds what every backend keeps in memory about its
// layers and the steps every backend takes alike.
//
// The Table: each layer's parent and backend metadata, how many layers
// are built on it, how many references (Get, or a Diff being read) hold
// it, and whether it is ready or in flight (being created or removed).
// The backends keep the truth on disk and rebuild a Table when they open.
//
// Beside it, written once for all four backends: MakeHome and
// MkdirOwned; ValidateCreate; ReleaseOnClose; Table.Remove, the
// rename-aside-then-purge removal, and Purge and RemoveTree, the one way
// a backend deletes a layer dir, a leftover or a temporary; Applier, the
// ApplyDiff skeleton (lock, look-up, stage, publish, remove on failure);
// for the backends that keep a layer as one directory with a JSON record
// beside it (vfs, naive) their create and remove (DirStore, MetaFiles);
// and for those that mount views (overlay2, aufs) the reference-counted
// Get, Put and Cleanup around their mounts (Views).
//
// It has no on-disk layout of its own: each backend's doc.go has its
// layout. Not for callers of the library (internal), and not a store by
// itself: a Table knows only what its backend loaded into it.
package layers
