// Package inroot opens files of a layer's tree by a path that comes from
// a layer tar, resolving every component inside the tree (an absolute
// symlink in the layer points into the layer, never at the host).
package inroot
