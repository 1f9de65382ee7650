// Package inroot opens files of a layer's tree by a path that comes from
// a layer tar, resolving every component inside the tree (an absolute
// symlink in the layer points into the layer, never at the host), with
// openat2 RESOLVE_IN_ROOT through filepath-securejoin's pathrs-lite.
// Linux only; elsewhere it returns an error. Not for
// paths the store makes itself (layer ids are validated, not resolved):
// it costs an openat2 per call.
package inroot
