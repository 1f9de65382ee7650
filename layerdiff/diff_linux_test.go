package layerdiff

import (
	"errors"
	"io"
	"os"
	osexec "os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
	"golang.org/x/sys/unix"
)

func skipUnlessRoot(t *testing.T, reason string) {
	t.Helper()
	if reason != "" && os.Geteuid() != 0 {
		t.Skipf("needs root to %s", reason)
	}
}

// trees builds the case's parent and layer and returns the parent
// argument ("" for noParent).
func (c diffCase) trees(t *testing.T) (layer, parent, parentArg string) {
	t.Helper()
	skipUnlessRoot(t, c.root)
	parent = ops.Build(t, c.parent...)
	layer = ops.Derive(t, parent, c.layer...)
	parentArg = parent
	if c.noParent {
		parentArg = ""
	}
	return layer, parent, parentArg
}

func TestDiffCases(t *testing.T) {
	for _, c := range diffCases() {
		t.Run(c.name, func(t *testing.T) {
			layer, _, parent := c.trees(t)

			changes, err := Changes(layer, parent)
			ops.Must(t, err)
			if diff := cmp.Diff(c.changes, changeStrings(changes), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Changes (-want +got):\n%s", diff)
			}

			rc, err := Diff(layer, parent, graphdriver.IDMap{})
			ops.Must(t, err)
			got := readTar(t, rc)
			if diff := cmp.Diff(c.tar, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}

			size, err := DiffSize(layer, parent)
			ops.Must(t, err)
			if want := contentBytes(got); size != want {
				t.Errorf("DiffSize = %d, want %d (the tar's file content)", size, want)
			}
		})
	}
}

func changeStrings(changes []graphdriver.Change) []string {
	var s []string
	for _, c := range changes {
		s = append(s, c.String())
	}
	return s
}

func contentBytes(entries []tarEntry) int64 {
	var n int64
	for _, e := range entries {
		if e.Type == "file" {
			n += e.Size
		}
	}
	return n
}

// TestDiffOpaqueSameBytes: a directory emptied entry by entry and one
// removed and made again are the same state, so the same tar.
func TestDiffOpaqueSameBytes(t *testing.T) {
	parent := ops.Build(t, ops.Mkdir("d", 0o755), ops.File("d/a", "a", 0o644), ops.File("d/b", "b", 0o644), ops.File("keep", "k", 0o644))
	final := []ops.Op{ops.File("d/c", "c", 0o600), ops.Mtime("d/c", ops.T0), ops.Chmod("d", 0o750), ops.Mtime("d", ops.T0.Add(7))}
	emptied := ops.Derive(t, parent, append([]ops.Op{ops.Remove("d/a"), ops.Remove("d/b")}, final...)...)
	remade := ops.Derive(t, parent, append([]ops.Op{ops.Remove("d"), ops.Mkdir("d", 0o755)}, final...)...)

	a := diffBytes(t, emptied, parent)
	b := diffBytes(t, remade, parent)
	if string(a) != string(b) {
		t.Fatalf("emptied and remade directories give different tars (%d and %d bytes)", len(a), len(b))
	}
}

func TestDiffDeterministic(t *testing.T) {
	parent := ops.Build(t, ops.Mkdir("d", 0o755), ops.File("d/a", "a", 0o644), ops.File("d/b", "b", 0o644),
		ops.File("x", "x", 0o644), ops.Mkdir("e", 0o755), ops.File("e/f", "f", 0o644))
	layer := ops.Derive(t, parent, ops.Remove("d"), ops.Mkdir("d", 0o700), ops.File("d/n", "n", 0o644), ops.Hardlink("d/m", "x"),
		ops.Remove("e/f"), ops.Mkfifo("p", 0o600), ops.Symlink("s", "x"), ops.File("big", strings.Repeat("z", 1<<20), 0o644))
	if err := unix.Lsetxattr(layer+"/x", "user.a", []byte("1"), 0); err == nil {
		ops.Must(t, unix.Lsetxattr(layer+"/x", "user.b", []byte("2"), 0))
	}
	first := diffBytes(t, layer, parent)
	second := diffBytes(t, layer, parent)
	if string(first) != string(second) {
		t.Fatal("two Diffs of one layer differ")
	}
}

// TestDiffUnreadable: what the walk or the tar writer cannot read is an
// error that names the path.
func TestDiffUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything: needs an unprivileged user")
	}
	tests := []struct {
		name   string
		parent []ops.Op
		layer  []ops.Op
		path   string // in the error
		inTar  bool   // found by the tar writer, not the walk
		fresh  bool   // build the layer from nothing: cp cannot copy the parent
	}{
		{name: "directory", layer: []ops.Op{ops.Mkdir("d", 0o755), ops.File("d/x", "x", 0o644), ops.Chmod("d", 0)}, path: "/d"},
		{name: "file content", layer: []ops.Op{ops.File("a", "a", 0)}, path: "a", inTar: true},
		{name: "content compared", parent: []ops.Op{ops.File("a", "hello", 0), ops.Mtime("a", ops.T0)},
			layer: []ops.Op{ops.File("a", "HELLO", 0), ops.Mtime("a", ops.T0)}, fresh: true, path: "/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := ops.Build(t, tt.parent...)
			var layer string
			if tt.fresh {
				layer = ops.Build(t, tt.layer...)
			} else {
				layer = ops.Derive(t, parent, tt.layer...)
			}
			t.Cleanup(func() { _ = osexec.Command("chmod", "-R", "u+rwx", layer).Run() })
			_, err := Changes(layer, parent)
			if !tt.inTar {
				if err == nil || !strings.Contains(err.Error(), tt.path) {
					t.Fatalf("Changes = %v, want an error naming %s", err, tt.path)
				}
				return
			}
			ops.Must(t, err)
			rc, err := Diff(layer, parent, graphdriver.IDMap{})
			ops.Must(t, err)
			defer rc.Close()
			_, err = io.ReadAll(rc)
			if err == nil || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("reading Diff = %v, want an error naming %s", err, tt.path)
			}
		})
	}
}

// diffBytes reads a whole Diff.
func diffBytes(t *testing.T, layer, parent string) []byte {
	t.Helper()
	rc, err := Diff(layer, parent, graphdriver.IDMap{})
	ops.Must(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	ops.Must(t, err)
	return b
}

// TestDiffReservedName: a tree entry named like a whiteout is a change,
// but no layer tar can carry it (it would delete on apply).
func TestDiffReservedName(t *testing.T) {
	parent := ops.Build(t, ops.File("a", "a", 0o644))
	layer := ops.Derive(t, parent, ops.File(".wh.a", "", 0o644))
	changes, err := Changes(layer, parent)
	ops.Must(t, err)
	if got := changeStrings(changes); !cmp.Equal(got, []string{"A /.wh.a"}) {
		t.Errorf("Changes = %v, want [A /.wh.a]", got)
	}
	if _, err := Diff(layer, parent, graphdriver.IDMap{}); !errors.Is(err, graphdriver.ErrInvalidLayer) {
		t.Errorf("Diff = %v, want ErrInvalidLayer", err)
	}
}
