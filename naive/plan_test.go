package naive

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/layerfs/graphdriver/archive"
)

func TestPlanDeletionEntries(t *testing.T) {
	wh := func(p string) archive.Entry { return archive.Entry{Path: p, Kind: archive.EntryWhiteout} }
	opq := func(p string) archive.Entry { return archive.Entry{Path: p, Kind: archive.EntryOpaque} }
	tests := []struct {
		name   string
		rel    string
		lower  int
		common int
		gone   []string
		want   []archive.Entry
	}{
		{name: "nothing gone", rel: "d", lower: 2, common: 2},
		{name: "some gone", rel: "d", lower: 3, common: 1, gone: []string{"a", "b"}, want: []archive.Entry{wh("d/a"), wh("d/b")}},
		{name: "all gone", rel: "d", lower: 2, common: 0, gone: []string{"a", "b"}, want: []archive.Entry{opq("d")}},
		{name: "all gone, new entries", rel: "d/e", lower: 1, common: 0, gone: []string{"a"}, want: []archive.Entry{opq("d/e")}},
		{name: "empty parent directory", rel: "d", lower: 0, common: 0},
		{name: "root, some gone", rel: "", lower: 2, common: 1, gone: []string{"x"}, want: []archive.Entry{wh("x")}},
		{name: "root, all gone", rel: "", lower: 2, common: 0, gone: []string{"x", "y"}, want: []archive.Entry{opq(".")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := deletionEntries(tt.rel, tt.lower, tt.common, tt.gone)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("deletionEntries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanStatDiffers(t *testing.T) {
	base := node{mode: typeReg | 0o644, uid: 1, gid: 2, nlink: 1, size: 5, mtime: timespec{10, 20}}
	tests := []struct {
		name string
		edit func(n *node)
		want bool
	}{
		{name: "equal", edit: func(*node) {}},
		{name: "type", edit: func(n *node) { n.mode = typeDir | 0o644 }, want: true},
		{name: "permission", edit: func(n *node) { n.mode = typeReg | 0o600 }, want: true},
		{name: "setuid", edit: func(n *node) { n.mode |= 0o4000 }, want: true},
		{name: "sticky", edit: func(n *node) { n.mode |= 0o1000 }, want: true},
		{name: "uid", edit: func(n *node) { n.uid = 3 }, want: true},
		{name: "gid", edit: func(n *node) { n.gid = 3 }, want: true},
		{name: "size", edit: func(n *node) { n.size = 6 }, want: true},
		{name: "mtime ns", edit: func(n *node) { n.mtime.nsec++ }, want: true},
		{name: "link count alone", edit: func(n *node) { n.nlink = 2 }},
		{name: "inode alone", edit: func(n *node) { n.id = fileID{1, 2} }},
		{name: "rdev of a file", edit: func(n *node) { n.rdev = 7 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := base
			tt.edit(&other)
			if got := statDiffers(&other, &base); got != tt.want {
				t.Errorf("statDiffers = %v, want %v", got, tt.want)
			}
		})
	}
	dev := node{mode: typeChar | 0o600, rdev: 0x103}
	other := dev
	other.rdev = 0x104
	if !statDiffers(&other, &dev) {
		t.Error("statDiffers misses a device number change")
	}
}

func TestPlanNeedsContent(t *testing.T) {
	whole := node{mode: typeReg, size: 5, mtime: timespec{10, 0}, id: fileID{1, 1}}
	tests := []struct {
		name string
		u, l node
		want bool
	}{
		{name: "whole-second mtime", u: whole, l: node{mode: typeReg, size: 5, mtime: timespec{10, 0}, id: fileID{1, 2}}, want: true},
		{name: "same inode", u: whole, l: whole},
		{name: "nanosecond mtime", u: node{mode: typeReg, size: 5, mtime: timespec{10, 1}}, l: node{mode: typeReg, size: 5, mtime: timespec{10, 1}, id: fileID{1, 2}}},
		{name: "empty files", u: node{mode: typeReg}, l: node{mode: typeReg, id: fileID{1, 2}}},
		{name: "not a file", u: node{mode: typeLink, size: 5}, l: node{mode: typeLink, size: 5, id: fileID{1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := needsContent(&tt.u, &tt.l); got != tt.want {
				t.Errorf("needsContent = %v, want %v", got, tt.want)
			}
		})
	}
}
