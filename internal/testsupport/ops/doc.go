// Package ops is the fixture language of the tree tests: an Op changes a
// tree (File, Mkdir, Symlink, Hardlink, Remove, Chmod, Chown, Setxattr,
// Mtime, Mkfifo, Mkchar, Socket), Build makes a tree from Ops, and Derive
// copies one and changes the copy, as a layer's merged view changes its
// parent's. Test support only; Linux. Not for building layers through a
// driver: drivertest's appliers do that, through Get and Put.
package ops
