// Package fstree reads directory trees the way the diff engine compares
// them: one lstat per entry (Node), listings sorted by the bytes of the
// names, symlinks never followed, and the xattrs a layer tar carries.
// It is shared by package layerdiff (the full walk of two trees) and
// internal/upperdiff (the walk of a layer's upper dir alone), so both
// judge an entry from the same facts.
//
// Linux only; elsewhere every call returns an error wrapping
// graphdriver.ErrNotSupported. Not for general use: it holds only what
// those two walks need.
package fstree
