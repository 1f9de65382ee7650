package whiteout

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	graphdriver "github.com/layerfs/graphdriver"
	"github.com/stretchr/testify/require"
)

var entOpts = cmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(ent{}, "Records")}

func TestConvertTar(t *testing.T) {
	tests := []struct {
		name     string
		from, to Format
		in, want []ent
	}{
		{
			name: "overlay to aufs: whiteouts, opaque dir, other overlay xattrs dropped",
			from: Overlay, to: AUFS,
			in: []ent{
				dir("a/", "trusted.overlay.origin", "x", "security.capability", "cap"),
				dev00("a/x"),
				opq("a/d/"),
				file("a/d/f", "hello"),
				dir("b/", "user.overlay.opaque", "y"), // the other form's xattr means nothing
			},
			want: []ent{
				dir("a/", "security.capability", "cap"),
				aufsWh("a/.wh.x"),
				dir("a/d/"),
				aufsWh("a/d/.wh..wh..opq"),
				file("a/d/f", "hello"),
				dir("b/"),
			},
		},
		{
			// Linux 6.18: two files deleted in an upper can be hardlinks of
			// one 0/0 inode; a whiteout must never come out as a hardlink.
			name: "overlay to aufs: hardlinked whiteouts",
			from: Overlay, to: AUFS,
			in:   []ent{dir("a/"), dev00("a/x"), hardlink("a/y", "a/x"), hardlink("b", "./a/y"), hardlink("c", "a/z")},
			want: []ent{dir("a/"), aufsWh("a/.wh.x"), aufsWh("a/.wh.y"), aufsWh(".wh.b"), hardlink("c", "a/z")},
		},
		{
			name: "overlay to aufs: a file after its whiteout ends it",
			from: Overlay, to: AUFS,
			in:   []ent{dev00("x"), file("x", "new"), hardlink("y", "x")},
			want: []ent{aufsWh(".wh.x"), file("x", "new"), hardlink("y", "x")},
		},
		{
			name: "userxattr overlay to aufs",
			from: OverlayUserXattr, to: AUFS,
			in:   []ent{dir("d/", UserOverlayOpaqueXattr, "y"), dir("e/", OverlayOpaqueXattr, "y"), dev00("d/x")},
			want: []ent{dir("d/"), aufsWh("d/.wh..wh..opq"), dir("e/"), aufsWh("d/.wh.x")},
		},
		{
			name: "aufs to overlay: marker right after its dir merges into it",
			from: AUFS, to: Overlay,
			in:   []ent{dir("d/"), aufsWh("d/.wh..wh..opq"), file("d/f", "x"), aufsWh("d/.wh.g")},
			want: []ent{opq("d/"), file("d/f", "x"), dev00("d/g")},
		},
		{
			name: "aufs to overlay: marker after the children repeats the dir header",
			from: AUFS, to: Overlay,
			in:   []ent{dir("d/"), file("d/f", "x"), aufsWh("d/.wh..wh..opq"), file("d/g", "y")},
			want: []ent{dir("d/"), file("d/f", "x"), opq("d/"), file("d/g", "y")},
		},
		{
			name: "aufs to overlay: marker before its dir header",
			from: AUFS, to: Overlay,
			in:   []ent{aufsWh("d/.wh..wh..opq"), dir("d/"), file("d/f", "x")},
			want: []ent{opq("d/"), opq("d/"), file("d/f", "x")},
		},
		{
			name: "aufs to overlay: marker of an implied dir",
			from: AUFS, to: Overlay,
			in:   []ent{file("d/e/f", "x"), aufsWh("d/e/.wh..wh..opq")},
			want: []ent{file("d/e/f", "x"), opq("d/e/")},
		},
		{
			name: "aufs to overlay: root marker",
			from: AUFS, to: OverlayUserXattr,
			in:   []ent{dir("./"), aufsWh("./.wh..wh..opq")},
			want: []ent{dir("./", UserOverlayOpaqueXattr, "y")},
		},
		{
			name: "aufs to overlay: aufs metadata dropped, with what is under it",
			from: AUFS, to: Overlay,
			in: []ent{
				dir(".wh..wh.plnk/"), file(".wh..wh.plnk/12.34", "data"), aufsWh(".wh..wh.aufs"),
				dir("/.wh..wh.orph/"), file("a", "x"), hardlink(".wh.b", ".wh..wh.aufs"),
			},
			want: []ent{file("a", "x"), dev00("b")},
		},
		{
			name: "aufs to overlay: whiteouts as hardlinks of one file",
			from: AUFS, to: Overlay,
			in:   []ent{aufsWh(".wh.x"), hardlink(".wh.y", ".wh.x")},
			want: []ent{dev00("x"), dev00("y")},
		},
		{
			name: "aufs to overlay: overlay xattrs never taken from the tar",
			from: AUFS, to: Overlay,
			in: []ent{
				dir("d/", OverlayOpaqueXattr, "y", "trusted.overlay.redirect", "/etc"),
				{Name: "e/", Type: '5', Mode: 0o755, Records: map[string]string{"LIBARCHIVE.xattr.trusted.overlay.opaque": "eQ=="}},
			},
			want: []ent{dir("d/"), dir("e/")},
		},
		{
			name: "aufs to overlay: whiteout before a dir of the same name makes it opaque",
			from: AUFS, to: Overlay,
			in:   []ent{aufsWh(".wh.d"), dir("d/"), file("d/f", "x")},
			want: []ent{dev00("d"), opq("d/"), file("d/f", "x")},
		},
		{
			name: "aufs to overlay: whiteout after a dir of the same name makes it opaque",
			from: AUFS, to: Overlay,
			in:   []ent{dir("d/"), file("d/f", "x"), aufsWh(".wh.d")},
			want: []ent{dir("d/"), file("d/f", "x"), opq("d/")},
		},
		{
			name: "aufs to aufs drops metadata and keeps the rest",
			from: AUFS, to: AUFS,
			in:   []ent{aufsWh(".wh..wh.aufs"), dir("d/"), aufsWh("d/.wh..wh..opq"), aufsWh("d/.wh.x")},
			want: []ent{dir("d/"), aufsWh("d/.wh..wh..opq"), aufsWh("d/.wh.x")},
		},
		{
			name: "overlay to userxattr overlay moves the opaque xattr",
			from: Overlay, to: OverlayUserXattr,
			in:   []ent{opq("d/"), dev00("d/x")},
			want: []ent{dir("d/", UserOverlayOpaqueXattr, "y"), dev00("d/x")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := convert(t, buildTar(t, tc.in...), tc.from, tc.to)
			require.NoError(t, err)
			if diff := cmp.Diff(tc.want, readTar(t, out), entOpts); diff != "" {
				t.Errorf("ConvertTar %s to %s (-want +got):\n%s", tc.from, tc.to, diff)
			}
		})
	}
}

func TestConvertTarRejects(t *testing.T) {
	tests := []struct {
		name     string
		from, to Format
		in       []ent
		entry    string // the entry the error must name
	}{
		{"whiteout of dot", AUFS, Overlay, []ent{aufsWh("a/.wh..")}, "a/.wh.."},
		{"whiteout of dot dot", AUFS, Overlay, []ent{aufsWh(".wh...")}, ".wh..."},
		{"empty whiteout", AUFS, Overlay, []ent{aufsWh("a/.wh.")}, "a/.wh."},
		{"reserved prefix", AUFS, Overlay, []ent{aufsWh(".wh..wh.foo")}, ".wh..wh.foo"},
		{"metadata below root", AUFS, Overlay, []ent{aufsWh("a/.wh..wh.plnk")}, "a/.wh..wh.plnk"},
		{"whiteout is a dir", AUFS, Overlay, []ent{dir("a/.wh.x/")}, "a/.wh.x/"},
		{"whiteout is a symlink", AUFS, Overlay, []ent{{Name: ".wh.x", Type: '2', Link: "/etc"}}, ".wh.x"},
		{"marker is a dir", AUFS, Overlay, []ent{dir("a/.wh..wh..opq/")}, "a/.wh..wh..opq/"},
		{"path through a whiteout", AUFS, Overlay, []ent{file("a/.wh.x/f", "")}, "a/.wh.x/f"},
		{"hardlink to a whiteout", AUFS, Overlay, []ent{aufsWh(".wh.x"), hardlink("y", ".wh.x")}, "y"},
		{"hardlink into plnk", AUFS, Overlay, []ent{hardlink("y", ".wh..wh.plnk/1.2")}, "y"},
		{"hardlink to a deleted path", AUFS, Overlay, []ent{aufsWh(".wh.x"), hardlink("y", "x")}, "y"},
		{"char 0/0 device in aufs form", AUFS, Overlay, []ent{dev00("dev/zero0")}, "dev/zero0"},
		{"whiteout name in overlay form", Overlay, AUFS, []ent{file("a/.wh.x", "")}, "a/.wh.x"},
		// Found by FuzzWhiteoutConvert: the AUFS form written must read back.
		{"hardlink to a whiteout name in overlay form", Overlay, AUFS, []ent{hardlink("y", "a/.wh.x")}, "y"},
		{"whiteout of a whiteout name", Overlay, AUFS, []ent{dev00(".wh.x")}, ".wh.x"},
		{"whiteout of the root", Overlay, AUFS, []ent{dev00(".")}, "."},
		{"whiteout of a listed dir", Overlay, AUFS, []ent{dir("d/"), dev00("d")}, "d"},
		{"plain dir after its whiteout", Overlay, AUFS, []ent{dev00("d"), dir("d/")}, "d/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := convert(t, buildTar(t, tc.in...), tc.from, tc.to)
			require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
			require.Contains(t, err.Error(), `entry "`+tc.entry+`"`)
		})
	}
}

func TestConvertTarBadInput(t *testing.T) {
	good := buildTar(t, file("a", strings.Repeat("x", 2000)))
	t.Run("truncated tar", func(t *testing.T) {
		_, err := convert(t, good[:1024], AUFS, Overlay)
		require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
	})
	t.Run("unknown format", func(t *testing.T) {
		_, err := convert(t, good, AUFS, Format(7))
		require.ErrorIs(t, err, graphdriver.ErrNotSupported)
	})
	t.Run("failing writer", func(t *testing.T) {
		errFull := errors.New("disk full")
		err := ConvertTar(failWriter{errFull}, bytes.NewReader(good), AUFS, Overlay)
		require.ErrorIs(t, err, errFull)
	})
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

// The canonical layer tar (whiteouts first, marker right after its dir,
// as archive writes it) survives a trip through the overlay form byte for
// byte, and so does an overlay tar through the AUFS form.
func TestConvertTarRoundTrip(t *testing.T) {
	aufs := []ent{
		dir("./"), aufsWh(".wh.gone"), dir("a/"), aufsWh("a/.wh..wh..opq"), aufsWh("a/.wh.b"),
		file("a/c", "c"), hardlink("a/d", "a/c"), dir("e/", "user.mime", "text"), file("e/f", "f"),
	}
	overlay := []ent{dir("./"), dev00("gone"), opq("a/"), dev00("a/b"), file("a/c", "c"), dir("e/")}
	for _, f := range []Format{Overlay, OverlayUserXattr} {
		t.Run("aufs via "+f.String(), func(t *testing.T) {
			in := buildTar(t, aufs...)
			mid, err := convert(t, in, AUFS, f)
			require.NoError(t, err)
			out, err := convert(t, mid, f, AUFS)
			require.NoError(t, err)
			require.Equal(t, in, out)
		})
	}
	t.Run("overlay via aufs", func(t *testing.T) {
		in := buildTar(t, overlay...)
		mid, err := convert(t, in, Overlay, AUFS)
		require.NoError(t, err)
		out, err := convert(t, mid, AUFS, Overlay)
		require.NoError(t, err)
		require.Equal(t, in, out)
	})
}

// Docker's naive Diff stamped whiteouts with the time of the diff, so one
// layer gave different bytes each time; ours are fixed.
func TestConvertTarDeterministic(t *testing.T) {
	in := buildTar(t, dir("d/"), dev00("d/x"), opq("e/"), hardlink("d/y", "d/x"))
	first, err := convert(t, in, Overlay, AUFS)
	require.NoError(t, err)
	for range 3 {
		again, err := convert(t, in, Overlay, AUFS)
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
	other := buildTar(t, dir("d/"), ent{Name: "d/x", Type: '3', Mode: 0o600}, opq("e/"), hardlink("d/y", "d/x"))
	got, err := convert(t, other, Overlay, AUFS)
	require.NoError(t, err)
	require.Equal(t, first, got, "whiteouts must not carry the source's metadata")
}
