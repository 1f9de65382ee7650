package fstree

import "testing"

func TestStatDiffers(t *testing.T) {
	base := Node{Mode: TypeReg | 0o644, UID: 1, GID: 2, Nlink: 1, Size: 5, Mtime: Timespec{10, 20}}
	tests := []struct {
		name string
		edit func(n *Node)
		want bool
	}{
		{name: "equal", edit: func(*Node) {}},
		{name: "type", edit: func(n *Node) { n.Mode = TypeDir | 0o644 }, want: true},
		{name: "permission", edit: func(n *Node) { n.Mode = TypeReg | 0o600 }, want: true},
		{name: "setuid", edit: func(n *Node) { n.Mode |= 0o4000 }, want: true},
		{name: "sticky", edit: func(n *Node) { n.Mode |= 0o1000 }, want: true},
		{name: "uid", edit: func(n *Node) { n.UID = 3 }, want: true},
		{name: "gid", edit: func(n *Node) { n.GID = 3 }, want: true},
		{name: "size", edit: func(n *Node) { n.Size = 6 }, want: true},
		{name: "mtime ns", edit: func(n *Node) { n.Mtime.Nsec++ }, want: true},
		{name: "link count alone", edit: func(n *Node) { n.Nlink = 2 }},
		{name: "inode alone", edit: func(n *Node) { n.ID = FileID{1, 2} }},
		{name: "rdev of a file", edit: func(n *Node) { n.Rdev = 7 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := base
			tt.edit(&other)
			if got := StatDiffers(&other, &base); got != tt.want {
				t.Errorf("StatDiffers = %v, want %v", got, tt.want)
			}
		})
	}
	dev := Node{Mode: TypeChar | 0o600, Rdev: 0x103}
	other := dev
	other.Rdev = 0x104
	if !StatDiffers(&other, &dev) {
		t.Error("StatDiffers misses a device number change")
	}
}

func TestNeedsContent(t *testing.T) {
	whole := Node{Mode: TypeReg, Size: 5, Mtime: Timespec{10, 0}, ID: FileID{1, 1}}
	tests := []struct {
		name string
		u, l Node
		want bool
	}{
		{name: "whole-second mtime", u: whole, l: Node{Mode: TypeReg, Size: 5, Mtime: Timespec{10, 0}, ID: FileID{1, 2}}, want: true},
		{name: "same inode", u: whole, l: whole},
		{name: "nanosecond mtime", u: Node{Mode: TypeReg, Size: 5, Mtime: Timespec{10, 1}}, l: Node{Mode: TypeReg, Size: 5, Mtime: Timespec{10, 1}, ID: FileID{1, 2}}},
		{name: "empty files", u: Node{Mode: TypeReg}, l: Node{Mode: TypeReg, ID: FileID{1, 2}}},
		{name: "not a file", u: Node{Mode: TypeLink, Size: 5}, l: Node{Mode: TypeLink, Size: 5, ID: FileID{1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsContent(&tt.u, &tt.l); got != tt.want {
				t.Errorf("NeedsContent = %v, want %v", got, tt.want)
			}
		})
	}
}
