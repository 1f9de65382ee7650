// Package fsprobe names the filesystem behind a path (statfs magic to
// "ext4", "xfs", "btrfs", "tmpfs", ...), for Status output and for the
// checks backends make at open. Linux only; elsewhere it returns an error. Not a capability probe: whether a filesystem can reflink,
// host overlayfs or keep d_type is asked of it directly (cow, overlay2).
package fsprobe
