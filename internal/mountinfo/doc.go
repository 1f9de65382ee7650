// Package mountinfo reads the mount table (/proc/self/mountinfo) for the
// backends that mount: which mount points lie below a directory, in the
// order to unmount them, and whether a path is a mount point. Parsing is
// pure and runs anywhere; Read is Linux only.
package mountinfo
