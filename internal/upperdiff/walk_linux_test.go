package upperdiff

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
	"github.com/layerfs/graphdriver/layerdiff"
	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
)

// aufsForm reads an upper dir in the AUFS form, without the checks a
// backend adds to it (aufs has those, and tests them).
type aufsForm struct{}

func (aufsForm) ReadDir(_, _ string, names []Name) (Dir, error) {
	var ud Dir
	for _, n := range names {
		target, ok, err := whiteout.Target(n.Name)
		switch {
		case err != nil:
			return Dir{}, err
		case whiteout.IsOpaqueMarker(n.Name):
			ud.Opaque = true
		case ok:
			ud.Whiteouts = append(ud.Whiteouts, target)
		default:
			ud.Entries = append(ud.Entries, n.Name)
		}
	}
	return ud, nil
}

func (aufsForm) Check(string, bool) error { return nil }

// TestWalkMatchesFullWalk builds a layer's view as a union of an upper
// dir over its parent (Merge of a copy of the upper) and holds the upper
// walk to the full walk of both trees, without mounts.
func TestWalkMatchesFullWalk(t *testing.T) {
	tests := []struct {
		name          string
		parent, upper []string
	}{
		{name: "nothing", parent: []string{"a f:a"}},
		{name: "add and modify",
			parent: []string{"a f:1", "d d", "d/x f:x"},
			upper:  []string{"a f:22", "d d", "d/y f:y", "n d", "n/z f:z"}},
		{name: "whiteouts of a file and a tree",
			parent: []string{"a f:a", "d d", "d/sub d", "d/sub/z f:z", "keep f:k"},
			upper:  []string{".wh.a f:", ".wh.d f:"}},
		{name: "whiteout of nothing",
			parent: []string{"a f:a"},
			upper:  []string{".wh.ghost f:"}},
		{name: "opaque dir",
			parent: []string{"d d", "d/old f:o", "d/keep f:k"},
			upper:  []string{"d d", "d/.wh..wh..opq f:", "d/keep f:k2", "d/new f:n"}},
		{name: "dir emptied entry by entry",
			parent: []string{"e d", "e/1 f:1", "e/2 f:2", "f f:f"},
			upper:  []string{"e d", "e/.wh.1 f:", "e/.wh.2 f:"}},
		{name: "root emptied",
			parent: []string{"a f:a", "b f:b"},
			upper:  []string{".wh.a f:", ".wh.b f:"}},
		{name: "whiteout beside the file that replaces it",
			parent: []string{"x f:lower"},
			upper:  []string{".wh.x f:", "x f:upper"}},
		{name: "types changed",
			parent: []string{"t f:t", "u d", "u/in f:i"},
			upper:  []string{"t d", "t/in f:i", "u f:now a file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			parent, layer := filepath.Join(base, "parent"), filepath.Join(base, "layer")
			upper, merged := filepath.Join(base, "upper"), filepath.Join(base, "merged")
			ops.FromLines(t, parent, append([]string{". d"}, tt.parent...)...)
			for _, dir := range []string{upper, merged} {
				ops.FromLines(t, dir, append([]string{". d"}, tt.upper...)...)
			}
			copier := cow.NewCopier(nil)
			require.NoError(t, copier.CopyTree(layer, parent))
			require.NoError(t, layerdiff.Merge(layer, merged, copier))

			got, err := Walk(upper, layer, parent, aufsForm{})
			require.NoError(t, err)
			changes, err := layerdiff.Changes(layer, parent)
			require.NoError(t, err)
			entries, err := layerdiff.Plan(layer, parent)
			require.NoError(t, err)
			size, err := layerdiff.DiffSize(layer, parent)
			require.NoError(t, err)
			if d := cmp.Diff(changes, got.Changes, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("Changes (-walk +upper):\n%s", d)
			}
			if d := cmp.Diff(entries, got.Entries, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("Plan (-walk +upper):\n%s", d)
			}
			require.Equal(t, size, got.Size, "DiffSize")
		})
	}
}

// TestWalkNoParent: a layer without parent is all Adds; the upper
// walk leaves it to the full walk.
func TestWalkNoParent(t *testing.T) {
	_, err := Walk(t.TempDir(), t.TempDir(), "", aufsForm{})
	require.ErrorIs(t, err, ErrNotExact)
}
