package aufs

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	dt "github.com/layerfs/graphdriver/drivertest"
	"github.com/layerfs/graphdriver/internal/testsupport/upperdifftest"
	"github.com/layerfs/graphdriver/internal/upperdiff"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestNativeDiff holds the native diff (a walk of the upper dir) to the
// full walk of both merged views, made through real views and by
// ApplyDiff, and checks that it gives way against another parent and for
// a base layer (upperdifftest.Run).
func TestNativeDiff(t *testing.T) {
	d := openDriver(t, t.TempDir())
	upperdifftest.Run(t, d, d.diff)
}

// TestNativeDiffDockerForms: what kernel aufs leaves in a branch that
// neither the mount program nor ApplyDiff writes: AUFS metadata at the
// root (never walked, never in a tar), read-only whiteouts and markers.
// The native walk takes them and agrees with naive.
func TestNativeDiffDockerForms(t *testing.T) {
	d := openDriver(t, t.TempDir())
	require.NoError(t, d.Create("base", "", nil))
	upperdifftest.ApplyStep(t, d, "base", dt.ApplierFunc(upperdifftest.Base))
	require.NoError(t, d.Create("docker", "base", nil))
	diff := d.diffDir("docker")
	for _, dir := range []string{".wh..wh.plnk", ".wh..wh.orph", "a", "b"} {
		require.NoError(t, os.Mkdir(filepath.Join(diff, dir), 0o755))
	}
	for _, f := range []string{".wh..wh.aufs", "b/.wh..wh..opq", "b/new", ".wh.f", "a/.wh.1"} {
		require.NoError(t, os.WriteFile(filepath.Join(diff, f), nil, 0o444))
	}
	for _, dir := range []string{"a", "b"} {
		ft := upperdifftest.FixedTime
		require.NoError(t, os.Chtimes(filepath.Join(diff, dir), ft, ft))
	}
	upperdifftest.RequireMatches(t, d, d.diff, "docker", true)
	got, err := d.Changes("docker", "")
	require.NoError(t, err)
	require.Equal(t, "[C /a D /a/1 C /b A /b/new D /b/sub D /b/x D /f]", fmt.Sprint(got))
}

// TestReadUpperNames: how a directory of a diff dir reads, name by name.
func TestReadUpperNames(t *testing.T) {
	reg, dir := uint32(unix.S_IFREG|0o444), uint32(unix.S_IFDIR|0o755)
	tests := []struct {
		name  string
		rel   string
		names []upperdiff.Name
		want  upperdiff.Dir
		err   bool // upperdiff.ErrNotExact
	}{
		{name: "entries and whiteouts", rel: "d",
			names: []upperdiff.Name{{Name: ".wh.gone", Mode: reg}, {Name: ".wh.x", Mode: reg}, {Name: "a", Mode: dir}, {Name: "x", Mode: reg}},
			want:  upperdiff.Dir{Entries: []string{"a", "x"}, Whiteouts: []string{"gone", "x"}}},
		{name: "opaque marker", rel: "d",
			names: []upperdiff.Name{{Name: ".wh..wh..opq", Mode: reg}, {Name: "n", Mode: reg}},
			want:  upperdiff.Dir{Entries: []string{"n"}, Opaque: true}},
		{name: "AUFS metadata at the root is left out",
			names: []upperdiff.Name{{Name: ".wh..wh.aufs", Mode: reg}, {Name: ".wh..wh.orph", Mode: dir}, {Name: ".wh..wh.plnk", Mode: dir}, {Name: "f", Mode: reg}},
			want:  upperdiff.Dir{Entries: []string{"f"}}},
		{name: "AUFS metadata below the root", rel: "d",
			names: []upperdiff.Name{{Name: ".wh..wh.plnk", Mode: dir}}, err: true},
		{name: "reserved name", names: []upperdiff.Name{{Name: ".wh..wh.foo", Mode: reg}}, err: true},
		{name: "whiteout not a regular file", names: []upperdiff.Name{{Name: ".wh.x", Mode: dir}}, err: true},
		{name: "marker not a regular file", names: []upperdiff.Name{{Name: ".wh..wh..opq", Mode: unix.S_IFLNK | 0o777}}, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readUpperNames(tt.rel, tt.names)
			if tt.err {
				require.ErrorIs(t, err, upperdiff.ErrNotExact)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// TestUpperFormatRefusesXattrs: overlay keys, and the mount program's own,
// left in a diff dir mean something the walk does not follow.
func TestUpperFormatRefusesXattrs(t *testing.T) {
	for _, key := range []string{"trusted.overlay.opaque", "user.overlay.redirect", "user.fuseoverlayfs.origin"} {
		t.Run(key, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f")
			require.NoError(t, os.WriteFile(p, nil, 0o644))
			f := &upperFormat{}
			require.NoError(t, f.Check(p, false))
			if err := unix.Lsetxattr(p, key, []byte("y"), 0); err != nil {
				t.Skipf("cannot set %s here: %v", key, err)
			}
			require.ErrorIs(t, f.Check(p, false), upperdiff.ErrNotExact)
		})
	}
}
