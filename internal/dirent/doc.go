// Package dirent lists a directory with getdents(2) into a buffer the
// caller keeps, for the walks that read every directory of a layer.
// Linux only; the other platforms have no files here. Not for a walk
// that needs each entry's metadata: that is fstree.List (an lstat each).
package dirent
