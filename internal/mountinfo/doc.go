// Package mountinfo gives the backends that mount what they need of the
// mount table: which mount points lie below a directory, in the order to
// unmount them, and whether a path is a mount point. Reading and parsing
// /proc/self/mountinfo is github.com/moby/sys/mountinfo's; Read and Parse
// are Linux only.
package mountinfo
