package archive_test

import (
	"fmt"

	"github.com/layerfs/graphdriver/archive"
)

func ExampleSortEntries() {
	entries := []archive.Entry{
		{Path: "a.b"},
		{Path: "a/b"},
		{Path: "a"},
		{Path: "a/x", Kind: archive.EntryWhiteout},
		{Path: "a", Kind: archive.EntryOpaque},
		{Path: "z", Kind: archive.EntryWhiteout},
		{Path: ".", Kind: archive.EntryOpaque},
	}
	archive.SortEntries(entries)
	for _, e := range entries {
		fmt.Println(e.Kind, e.Path)
	}
	// Output:
	// opaque .
	// whiteout z
	// path a
	// opaque a
	// whiteout a/x
	// path a/b
	// path a.b
}
