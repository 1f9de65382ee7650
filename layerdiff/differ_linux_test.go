package layerdiff

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
)

// TestDifferHoldsViewsUntilClose checks that Differ releases the views
// after Changes and DiffSize, and after a Diff only once its reader is
// closed, and that it names the backend in errors.
func TestDifferHoldsViewsUntilClose(t *testing.T) {
	layer, parent := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(layer, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	held := 0
	d := Differ{Backend: "test", Views: func(op, id, p string) (string, string, func() error, error) {
		if id == "missing" {
			return "", "", nil, graphdriver.ErrNotFound
		}
		held++
		return layer, parent, func() error { held--; return nil }, nil
	}}
	if ch, err := d.Changes("l", ""); err != nil || len(ch) != 1 || held != 0 {
		t.Fatalf("Changes = %v, %v with %d views held; want 1 change, none held", ch, err, held)
	}
	if n, err := d.DiffSize("l", ""); err != nil || n != 1 || held != 0 {
		t.Fatalf("DiffSize = %d, %v with %d views held; want 1, none held", n, err, held)
	}
	rc, err := d.Diff("l", "")
	if err != nil {
		t.Fatal(err)
	}
	if held != 1 {
		t.Fatalf("%d views held while the Diff reader is open, want 1", held)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err != nil || held != 0 {
		t.Fatalf("Close = %v with %d views held, want none", err, held)
	}
	if _, err := d.Changes("missing", ""); !errors.Is(err, graphdriver.ErrNotFound) {
		t.Fatalf("Changes of a missing layer = %v, want ErrNotFound", err)
	}
	bad := Differ{Backend: "test", Views: func(op, id, p string) (string, string, func() error, error) {
		return filepath.Join(layer, "nope"), "", func() error { return nil }, nil
	}}
	if _, err := bad.Changes("l", ""); err == nil || err.Error()[:len("test: changes l")] != "test: changes l" {
		t.Fatalf("Changes over a missing dir = %v, want an error naming the backend and id", err)
	}
}
