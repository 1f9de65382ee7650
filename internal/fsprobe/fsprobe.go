package fsprobe

import "fmt"

// Filesystem magic numbers from statfs(2), for the filesystems a layer
// store meets.
var magicNames = map[int64]string{
	0xEF53:     "extfs",
	0x58465342: "xfs",
	0x9123683E: "btrfs",
	0x01021994: "tmpfs",
	0x858458F6: "ramfs",
	0x794C7630: "overlayfs",
	0x61756673: "aufs",
	0x65735546: "fuse",
	0x2FC12FC1: "zfs",
	0x6969:     "nfs",
	0xF2F52010: "f2fs",
	0xF15F:     "ecryptfs",
	0x73717368: "squashfs",
}

// Name returns the name of the filesystem with statfs magic number magic,
// or its number in hex when it is not one this package knows.
func Name(magic int64) string {
	if n, ok := magicNames[magic]; ok {
		return n
	}
	return fmt.Sprintf("unknown (%#x)", magic)
}
