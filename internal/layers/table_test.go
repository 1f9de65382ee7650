package layers

import (
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/layerfs/graphdriver"
)

func TestReserveAndLookup(t *testing.T) {
	tb := NewTable[string]("test")
	if err := tb.Reserve("a", "", "meta-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Lookup("get", "a"); !errors.Is(err, graphdriver.ErrNotFound) {
		t.Fatalf("Lookup of an in-flight layer = %v, want ErrNotFound", err)
	}
	if err := tb.Reserve("b", "a", ""); !errors.Is(err, graphdriver.ErrNotFound) {
		t.Fatalf("Reserve on an in-flight parent = %v, want ErrNotFound", err)
	}
	if err := tb.Reserve("a", "", ""); !errors.Is(err, graphdriver.ErrExists) {
		t.Fatalf("second Reserve of a = %v, want ErrExists", err)
	}
	tb.SetReady("a", true)
	l, err := tb.Lookup("get", "a")
	if err != nil || l.Meta != "meta-a" {
		t.Fatalf("Lookup(a) = %+v, %v", l, err)
	}
	if _, err := tb.Lookup("get", "../a"); !errors.Is(err, graphdriver.ErrInvalidID) {
		t.Fatalf("Lookup of an invalid id = %v, want ErrInvalidID", err)
	}
	if err := tb.Reserve("b", "a", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.MarkRemoving("a", false); !errors.Is(err, graphdriver.ErrHasChildren) {
		t.Fatalf("MarkRemoving a parent with an in-flight child = %v, want ErrHasChildren", err)
	}
	if released, childless := tb.Release("b"); released.Parent != "a" || !childless {
		t.Fatalf("Release(b) = %+v, %v; want parent a, true", released, childless)
	}
	if _, err := tb.MarkRemoving("a", false); err != nil {
		t.Fatalf("MarkRemoving a childless parent: %v", err)
	}
	if _, err := tb.Lookup("get", "a"); !errors.Is(err, graphdriver.ErrNotFound) {
		t.Fatalf("Lookup while removing = %v, want ErrNotFound", err)
	}
}

func TestHoldBlocksRemove(t *testing.T) {
	tb := NewTable[int]("test")
	tb.Load("a", "", 0)
	if _, err := tb.Hold("get", "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.MarkRemoving("a", false); !errors.Is(err, graphdriver.ErrBusy) {
		t.Fatalf("MarkRemoving a held layer = %v, want ErrBusy", err)
	}
	if left, ok := tb.Drop("a"); !ok || left != 0 {
		t.Fatalf("Drop = %d, %v; want 0, true", left, ok)
	}
	if _, ok := tb.Drop("a"); ok {
		t.Fatal("Drop without a Hold reported ok")
	}
	if _, err := tb.MarkRemoving("a", false); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Hold("get", "a"); !errors.Is(err, graphdriver.ErrNotFound) {
		t.Fatalf("Hold of a layer being removed = %v, want ErrNotFound", err)
	}
}

// TestHoldRacesRemove checks that a reference and a removal never both
// succeed: the race the two-step look-up-then-count had.
func TestHoldRacesRemove(t *testing.T) {
	for range 200 {
		tb := NewTable[int]("test")
		tb.Load("a", "", 0)
		var wg sync.WaitGroup
		var holdErr, removeErr error
		wg.Add(2)
		go func() { defer wg.Done(); _, holdErr = tb.Hold("diff", "a") }()
		go func() { defer wg.Done(); _, removeErr = tb.MarkRemoving("a", false) }()
		wg.Wait()
		if (holdErr == nil) == (removeErr == nil) {
			t.Fatalf("hold err %v, remove err %v: exactly one must succeed", holdErr, removeErr)
		}
	}
}

func TestLoadCountAncestors(t *testing.T) {
	tb := NewTable[struct{}]("test")
	tb.Load("c", "", struct{}{})
	tb.Load("b", "", struct{}{})
	tb.Load("a", "", struct{}{})
	tb.SetParent("c", "b")
	tb.SetParent("b", "a")
	tb.CountChildren()
	if got := strings.Join(tb.Ancestors("c"), ","); got != "b,a" {
		t.Fatalf("Ancestors(c) = %s, want b,a", got)
	}
	if l, _ := tb.Lookup("get", "a"); l.Children != 1 {
		t.Fatalf("a has %d children, want 1", l.Children)
	}
	if got := strings.Join(tb.IDs(), ","); got != "a,b,c" || tb.Len() != 3 {
		t.Fatalf("IDs = %s, Len = %d", got, tb.Len())
	}
}

func TestValidateCreate(t *testing.T) {
	tests := []struct {
		name, id, parent string
		opts             map[string]string
		want             error
		wantText         string
	}{
		{name: "ok", id: "a", parent: "b"},
		{name: "bad id", id: "../a", want: graphdriver.ErrInvalidID},
		{name: "bad parent", id: "a", parent: "a/b", want: graphdriver.ErrInvalidID},
		{name: "size", id: "a", opts: map[string]string{"size": "1G"}, want: graphdriver.ErrNotSupported, wantText: "no quota here"},
		{name: "unknown", id: "a", opts: map[string]string{"bogus": "1"}, wantText: `unknown storage option "bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCreate("test", tt.id, tt.parent, &graphdriver.CreateOpts{StorageOpt: tt.opts}, "no quota here")
			if tt.want == nil && tt.wantText == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("ValidateCreate = %v, want %v containing %q", err, tt.want, tt.wantText)
			}
		})
	}
}

type closer struct{ io.Reader }

func (closer) Close() error { return nil }

func TestReleaseOnCloseOnce(t *testing.T) {
	n := 0
	rc := ReleaseOnClose(closer{strings.NewReader("x")}, func() error { n++; return nil })
	_ = rc.Close()
	_ = rc.Close()
	if n != 1 {
		t.Fatalf("release ran %d times, want 1", n)
	}
}
