// Package crosstest holds only tests: it runs the drivertest
// cross-backend check on naive, vfs and overlay2, which no backend
// package may do itself, since backends never import each other. As root
// all three are compared (naive, first in name order, is the reference);
// as another user overlay2 is not supported and the check compares naive
// with vfs, saying why overlay2 was left out.
package crosstest
