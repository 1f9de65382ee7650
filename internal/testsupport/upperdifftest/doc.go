// Package upperdifftest holds the cases that check a backend's upper-dir
// diff (layerdiff.Differ with Native set) against the full walk of both views,
// for the backends that have one (overlay2, aufs): each case changes a
// layer's view through Get and Put, and the check asks for the same
// Changes, the same DiffSize and the same tar bytes from both engines,
// and for the upper walk to be taken exactly where the case says.
//
// It is for tests only: the checks mount, so they need what the backend
// needs (root, or a mount program). Linux only, like those backends; the
// other platforms have no files here.
package upperdifftest
