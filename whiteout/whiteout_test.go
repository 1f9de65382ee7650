package whiteout

import (
	"strconv"
	"testing"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/stretchr/testify/require"
)

func TestNames(t *testing.T) {
	tests := []struct {
		name       string
		target     string
		whiteout   bool
		malformed  bool
		opaque     bool
		aufsMeta   bool
		roundTrips bool // Name(target) == name
	}{
		{name: ".wh.x", target: "x", whiteout: true, roundTrips: true},
		{name: ".wh..x", target: ".x", whiteout: true, roundTrips: true},
		{name: ".wh..wh", target: ".wh", whiteout: true, roundTrips: true},
		{name: ".wh.héllo wörld ✓", target: "héllo wörld ✓", whiteout: true, roundTrips: true},
		{name: ".wh. ", target: " ", whiteout: true, roundTrips: true},
		{name: ".wh.x\n", target: "x\n", whiteout: true, roundTrips: true},
		{name: ".wh.", malformed: true},
		{name: ".wh..", malformed: true},
		{name: ".wh...", malformed: true},
		{name: ".wh.a/b", malformed: true},
		{name: ".wh./", malformed: true},
		{name: ".wh.a\x00b", malformed: true},
		{name: ".wh..wh.x", malformed: true},
		{name: ".wh..wh.", malformed: true},
		{name: ".wh..wh..opqx", malformed: true},
		{name: ".wh..wh.PLNK", malformed: true},
		{name: ".wh..wh..opq", opaque: true},
		{name: ".wh..wh.plnk", aufsMeta: true},
		{name: ".wh..wh.aufs", aufsMeta: true},
		{name: ".wh..wh.orph", aufsMeta: true},
		{name: "a.wh.b"},
		{name: ".WH.x"},
		{name: ".wh"},
		{name: "wh.x"},
		{name: ""},
		{name: "."},
		{name: "..wh.x"},
		{name: " .wh.x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target, ok, err := Target(tc.name)
			if tc.malformed {
				require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
				require.Contains(t, err.Error(), strconv.Quote(tc.name))
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.whiteout, ok)
			require.Equal(t, tc.target, target)
			require.Equal(t, tc.opaque, IsOpaqueMarker(tc.name))
			require.Equal(t, tc.aufsMeta, IsAUFSMeta(tc.name))
			if tc.roundTrips {
				require.Equal(t, tc.name, Name(target))
			}
		})
	}
}

func TestIsOverlayInternalXattr(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"trusted.overlay.opaque", true},
		{"trusted.overlay.redirect", true},
		{"trusted.overlay.overlay.opaque", true},
		{"user.overlay.opaque", true},
		{"user.overlay.origin", true},
		{"trusted.overlayx", false},
		{"trusted.overlay", false},
		{"user.overlayfs.opaque", false},
		{"user.fuseoverlayfs.opaque", false},
		{"security.capability", false},
		{"security.selinux", false},
		{"TRUSTED.overlay.opaque", false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			require.Equal(t, tc.want, IsOverlayInternalXattr(tc.key))
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		f      Format
		str    string
		xattr  string
		checks bool
	}{
		{AUFS, "aufs", "", true},
		{Overlay, "overlay", OverlayOpaqueXattr, true},
		{OverlayUserXattr, "overlay-userxattr", UserOverlayOpaqueXattr, true},
		{Format(-1), "Format(-1)", "", false},
		{Format(3), "Format(3)", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.str, func(t *testing.T) {
			require.Equal(t, tc.str, tc.f.String())
			require.Equal(t, tc.xattr, tc.f.OpaqueXattr())
			if tc.checks {
				require.NoError(t, tc.f.check())
			} else {
				require.ErrorIs(t, tc.f.check(), graphdriver.ErrNotSupported)
			}
		})
	}
}

func TestCheckTargetName(t *testing.T) {
	tests := []struct {
		name string
		f    Format
		ok   bool
	}{
		{"x", AUFS, true},
		{"x", Overlay, true},
		{".wh.x", Overlay, true},
		{".wh.x", AUFS, false},
		{"", AUFS, false},
		{".", Overlay, false},
		{"..", Overlay, false},
		{"a/b", Overlay, false},
		{"a\x00", AUFS, false},
	}
	for _, tc := range tests {
		t.Run(tc.f.String()+" "+tc.name, func(t *testing.T) {
			err := checkTargetName(tc.name, tc.f)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
			}
		})
	}
}
