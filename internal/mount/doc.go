// Package mount is what the mounting backends (overlay2, aufs) share of
// mounts: the mount table (which mount points lie below a directory, in
// the order to unmount them, and whether a path is one), the one unmount
// policy (Unmount: retried while busy, then detached), and the check
// that nothing is mounted on or below a directory before it is deleted
// (CheckUnmounted). Reading and parsing /proc/self/mountinfo is
// github.com/moby/sys/mountinfo's.
//
// The table helpers are pure; Read, Parse, Unmount, UnmountAllUnder and
// CheckUnmounted need Linux and return an error elsewhere. Not for
// making mounts: each backend builds its own mount options as data and
// mounts in its own mount_linux.go.
package mount
