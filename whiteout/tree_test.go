package whiteout

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	graphdriver "github.com/layerfs/graphdriver"
	"github.com/stretchr/testify/require"
)

// planDir is pure: these cases need no privileges and no disk.
func TestPlanDir(t *testing.T) {
	reg := func(n string) dirEntry { return dirEntry{name: n, kind: kindRegular} }
	sub := func(n string) dirEntry { return dirEntry{name: n, kind: kindDir} }
	wh := func(n string) dirEntry { return dirEntry{name: n, kind: kindDeviceWhiteout} }
	tests := []struct {
		name        string
		l           listing
		from, to    Format
		wantOps     []op
		wantSubdirs []string
		wantErr     string // the path the error names; "" for none
	}{
		{
			name: "aufs root: metadata skipped, whiteouts and marker found",
			l:    listing{dir: "/", entries: []dirEntry{sub(PlinkName), reg(AufsName), sub(OrphName), reg(OpaqueName), reg(".wh.x"), sub("d"), reg("f")}},
			from: AUFS, to: Overlay,
			wantOps:     []op{{kind: opOpaque, dir: "/"}, {kind: opWhiteout, dir: "/", name: "x"}},
			wantSubdirs: []string{"d"},
		},
		{
			name: "aufs whiteout next to its own name",
			l:    listing{dir: "/a", entries: []dirEntry{reg(".wh.d"), sub("d"), reg(".wh.f"), reg("f")}},
			from: AUFS, to: Overlay,
			wantOps: []op{
				{kind: opDropWhiteout, dir: "/a", name: "d"}, {kind: opAddOpaque, dir: "/a/d"},
				{kind: opDropWhiteout, dir: "/a", name: "f"},
			},
			wantSubdirs: []string{"d"},
		},
		{name: "aufs metadata below root", l: listing{dir: "/a", entries: []dirEntry{sub(PlinkName)}}, from: AUFS, to: Overlay, wantErr: "a/.wh..wh.plnk"},
		{name: "aufs malformed", l: listing{dir: "/a", entries: []dirEntry{reg(".wh..")}}, from: AUFS, to: Overlay, wantErr: "a/.wh.."},
		{name: "aufs whiteout dir", l: listing{dir: "/", entries: []dirEntry{sub(".wh.x")}}, from: AUFS, to: Overlay, wantErr: ".wh.x"},
		{name: "aufs marker dir", l: listing{dir: "/", entries: []dirEntry{sub(OpaqueName)}}, from: AUFS, to: Overlay, wantErr: OpaqueName},
		{
			name: "overlay dir",
			l:    listing{dir: "/a", opaque: true, entries: []dirEntry{wh("x"), sub("d"), reg("f"), {name: "c", kind: kindOther}}},
			from: Overlay, to: AUFS,
			wantOps:     []op{{kind: opOpaque, dir: "/a"}, {kind: opWhiteout, dir: "/a", name: "x"}},
			wantSubdirs: []string{"d"},
		},
		{name: "overlay whiteout name to aufs", l: listing{dir: "/", entries: []dirEntry{reg(".wh.x")}}, from: Overlay, to: AUFS, wantErr: ".wh.x"},
		{
			name: "overlay whiteout name to userxattr",
			l:    listing{dir: "/", entries: []dirEntry{reg(".wh.x"), wh(".wh.y")}},
			from: Overlay, to: OverlayUserXattr,
			wantOps: []op{{kind: opWhiteout, dir: "/", name: ".wh.y"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ops, subdirs, err := planDir(tc.l, tc.from, tc.to)
			if tc.wantErr != "" {
				require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
				require.Contains(t, err.Error(), tc.wantErr+":")
				return
			}
			require.NoError(t, err)
			if diff := cmp.Diff(tc.wantOps, ops, cmp.AllowUnexported(op{})); diff != "" {
				t.Errorf("ops (-want +got):\n%s", diff)
			}
			require.Equal(t, tc.wantSubdirs, subdirs)
		})
	}
}
