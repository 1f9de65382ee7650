// Package crosstest holds only tests: it runs the drivertest
// cross-backend check on vfs and overlay2, which no backend package may
// do itself, since backends never import each other. As root overlay2
// works and the check compares the two; as another user overlay2 is not
// supported and the check skips, saying why.
package crosstest
