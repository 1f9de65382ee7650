// Package crosstest holds only tests: it runs the drivertest
// cross-backend check on vfs, overlay2 and aufs (mounted by
// fuse-overlayfs), which no backend package may do itself, since
// backends never import each other. As root all three work and the check
// compares them; as another user only vfs does and the check skips,
// saying why.
package crosstest
