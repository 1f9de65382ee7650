// Package crosstest holds only tests: it runs the drivertest
// cross-backend check on naive, vfs, overlay2 and aufs (mounted by
// fuse-overlayfs), which no backend package may do itself, since
// backends never import each other. As root all four work and the check
// compares them (naive, first in name order, is the reference); as
// another user overlay2 and aufs are not supported and the check
// compares naive with vfs, saying why the others were left out. Not for
// checking one backend: drivertest.Run in that backend's package is.
package crosstest
