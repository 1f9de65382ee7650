package layerdiff

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
