package layers

import (
	"errors"
	"testing"

	"github.com/layerfs/graphdriver"
)

func TestDiffParentAndLookupForApply(t *testing.T) {
	tb := NewTable[string]("test")
	tb.Load("base", "", "")
	tb.Load("mid", "base", "")
	tb.Load("top", "mid", "")
	tb.CountChildren()
	tests := []struct {
		name, id, parent string
		wantParent       string // of DiffParent
		diffErr          error
		applyErr         string // "" when LookupForApply takes the pair
	}{
		{name: "own parent", id: "top", wantParent: "mid"},
		{name: "own parent named", id: "top", parent: "mid", wantParent: "mid"},
		{name: "base layer", id: "base"},
		{name: "other layer", id: "top", parent: "base", wantParent: "base",
			applyErr: `test: apply diff top: parent base given, but the layer's parent is "mid"`},
		{name: "missing parent", id: "top", parent: "gone", diffErr: graphdriver.ErrNotFound,
			applyErr: "test: apply diff top: parent gone: layer not found"},
		{name: "missing layer", id: "gone", diffErr: graphdriver.ErrNotFound,
			applyErr: "test: apply diff gone: layer not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tb.DiffParent("diff", tt.id, tt.parent)
			if !errors.Is(err, tt.diffErr) || (err == nil && got != tt.wantParent) {
				t.Errorf("DiffParent = %q, %v; want %q, %v", got, err, tt.wantParent, tt.diffErr)
			}
			_, err = tb.LookupForApply(tt.id, tt.parent, nil)
			if msg := errString(err); msg != tt.applyErr {
				t.Errorf("LookupForApply: %q, want %q", msg, tt.applyErr)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
