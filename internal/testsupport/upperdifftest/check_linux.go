package upperdifftest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/layerfs/graphdriver"
	dt "github.com/layerfs/graphdriver/drivertest"
	"github.com/layerfs/graphdriver/internal/upperdiff"
	"github.com/layerfs/graphdriver/layerdiff"
	"github.com/stretchr/testify/require"
)

// Run holds a backend's native diff (differ, the backend's Differ with
// Native set) to the full walk of both views on d (see matchesFullWalk),
// and checks that it gives way where it cannot answer
// (otherParentFallsBack).
func Run(t *testing.T, d graphdriver.Driver, differ layerdiff.Differ) {
	t.Run("matches-full-walk", func(t *testing.T) { matchesFullWalk(t, d, differ) })
	t.Run("other-parent-falls-back", func(t *testing.T) { otherParentFallsBack(t, d, differ) })
}

// matchesFullWalk runs every case of Cases on layers of d over Base and over
// Base+MidChange, and holds the diff d gives (through differ) to the full walk of both views. Each
// case is made twice: through the view, and by ApplyDiff of its own Diff
// (the whiteouts and opaque dirs archive writes instead of the union's).
func matchesFullWalk(t *testing.T, d graphdriver.Driver, differ layerdiff.Differ) {
	require.NoError(t, d.Create("base", "", nil))
	ApplyStep(t, d, "base", dt.ApplierFunc(Base))
	require.NoError(t, d.Create("mid", "base", nil))
	ApplyStep(t, d, "mid", MidChange)
	for _, parent := range []string{"base", "mid"} {
		for _, c := range Cases() {
			t.Run(parent+"/"+c.Name, func(t *testing.T) {
				id := parent + "-" + c.Name
				require.NoError(t, d.CreateReadWrite(id, parent, nil))
				ApplyStep(t, d, id, c.Change)
				RequireMatches(t, d, differ, id, c.Native)
				rc, err := d.Diff(id, "")
				require.NoError(t, err)
				require.NoError(t, d.Create(id+"-applied", parent, nil))
				_, err = d.ApplyDiff(id+"-applied", parent, rc)
				require.NoError(t, errors.Join(err, rc.Close()))
				RequireMatches(t, d, differ, id+"-applied", c.Native)
			})
		}
	}
}

// otherParentFallsBack checks that against another layer than its own
// parent, and for a base layer, the upper walk gives way to the full one.
func otherParentFallsBack(t *testing.T, d graphdriver.Driver, differ layerdiff.Differ) {
	require.NoError(t, d.Create("fb-base", "", nil))
	require.NoError(t, d.CreateReadWrite("fb-c1", "fb-base", nil))
	require.NoError(t, d.CreateReadWrite("fb-c2", "fb-c1", nil))
	ApplyStep(t, d, "fb-c2", file("x", "x"))
	require.ErrorIs(t, upperWalk(differ, "fb-c2", "fb-base"), upperdiff.ErrNotExact, "upper walk of fb-c2 against fb-base")
	require.ErrorIs(t, upperWalk(differ, "fb-base", ""), upperdiff.ErrNotExact)
	got, err := d.Changes("fb-c2", "fb-base")
	require.NoError(t, err)
	require.Len(t, got, 1)
}

// ApplyStep makes change in layer id's view, through Get and Put.
func ApplyStep(t *testing.T, d graphdriver.Driver, id string, change dt.Applier) {
	t.Helper()
	dir, err := d.Get(id, "")
	require.NoError(t, err)
	defer func() { require.NoError(t, d.Put(id)) }()
	require.NoError(t, change.Apply(dir))
}

// RequireMatches holds Changes, DiffSize and Diff of id against its own
// parent to what the full walk of both views gives, and checks that the
// upper walk alone answers exactly when native is true.
func RequireMatches(t *testing.T, d graphdriver.Driver, differ layerdiff.Differ, id string, native bool) {
	t.Helper()
	if err := upperWalk(differ, id, ""); native {
		require.NoError(t, err, "upper walk")
	} else {
		require.ErrorIs(t, err, upperdiff.ErrNotExact, "upper walk")
	}
	views := differ
	views.Native = nil
	want, err := views.Changes(id, "")
	require.NoError(t, err)
	got, err := d.Changes(id, "")
	require.NoError(t, err)
	require.Equal(t, want, got, "Changes")

	wantSize, err := views.DiffSize(id, "")
	require.NoError(t, err)
	gotSize, err := d.DiffSize(id, "")
	require.NoError(t, err)
	require.Equal(t, wantSize, gotSize, "DiffSize")

	wantRC, err := views.Diff(id, "")
	wantTar := readAll(t, wantRC, err)
	gotRC, err := d.Diff(id, "")
	require.Equal(t, wantTar, readAll(t, gotRC, err), "Diff bytes")
}

// upperWalk runs the upper walk of id against parent alone, as differ
// would: an error wrapping upperdiff.ErrNotExact where it gives way.
func upperWalk(differ layerdiff.Differ, id, parent string) error {
	layerDir, parentDir, release, err := differ.Views("upper walk", id, parent)
	if err != nil {
		return err
	}
	_, err = differ.Native(id, parent, layerDir, parentDir)
	return errors.Join(err, release())
}

func readAll(t *testing.T, rc io.ReadCloser, err error) []byte {
	t.Helper()
	require.NoError(t, err)
	var b bytes.Buffer
	_, err = io.Copy(&b, rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	return b.Bytes()
}
