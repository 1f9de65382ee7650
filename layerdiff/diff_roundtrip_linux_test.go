package layerdiff

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
	"github.com/layerfs/graphdriver/whiteout"
)

// TestDiffRoundTrip applies each case's Diff with archive.Apply onto an
// empty diff dir, which must then hold exactly the plan; composes that
// diff dir over a copy of the parent as a union mount would show it,
// which must equal the layer; and diffs the result again, which must give
// the same bytes.
func TestDiffRoundTrip(t *testing.T) {
	for _, c := range diffCases() {
		t.Run(c.name, func(t *testing.T) {
			if c.noRoundTrip != "" {
				t.Skip(c.noRoundTrip)
			}
			layer, parent, parentArg := c.trees(t)
			layerTar := diffBytes(t, layer, parentArg)
			applied := t.TempDir()
			// Unprivileged, whiteouts stay owned by the user, not 0:0.
			opts := &archive.ApplyOptions{IgnoreChownErrors: os.Geteuid() != 0}
			if _, err := archive.Apply(applied, bytes.NewReader(layerTar), opts); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			checkHoldsPlan(t, applied, layer, parentArg)

			merged := ops.Derive(t, parent)
			mergeAUFS(t, merged, applied)
			for _, pair := range [][2]string{{merged, layer}, {layer, merged}} {
				changes, err := Changes(pair[0], pair[1])
				ops.Must(t, err)
				if len(changes) > 0 {
					t.Errorf("parent + applied diff differs from the layer: %v", changes)
				}
			}
			if again := diffBytes(t, merged, parentArg); !bytes.Equal(again, layerTar) {
				t.Errorf("Diff of the rebuilt layer differs from the original (%d and %d bytes)", len(again), len(layerTar))
			}
		})
	}
}

// checkHoldsPlan checks that the diff dir applied holds the entries of
// Plan(layer, parent) and nothing else, whiteouts as AUFS files.
func checkHoldsPlan(t *testing.T, applied, layer, parent string) {
	t.Helper()
	plan, err := Plan(layer, parent)
	ops.Must(t, err)
	var want []string
	for _, e := range plan {
		name := e.Path
		switch e.Kind {
		case archive.EntryWhiteout:
			name = path.Join(path.Dir(e.Path), whiteout.Name(path.Base(e.Path)))
		case archive.EntryOpaque:
			name = path.Join(e.Path, whiteout.OpaqueName)
		}
		want = append(want, "A /"+name)
	}
	slices.Sort(want)
	changes, err := Changes(applied, "")
	ops.Must(t, err)
	if diff := cmp.Diff(want, changeStrings(changes), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("applied diff dir (-plan +got):\n%s", diff)
	}
}

// mergeAUFS composes the AUFS diff dir over the full tree dst: whiteouts
// and opaque markers delete from dst, an entry of another type replaces
// what dst has, and then diff is copied over dst. The markers are taken
// out of diff, keeping its directories' mtimes.
func mergeAUFS(t *testing.T, dst, diff string) {
	t.Helper()
	err := filepath.WalkDir(diff, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == diff {
			return err
		}
		rel, err := filepath.Rel(diff, p)
		if err != nil {
			return err
		}
		dir, name := filepath.Split(rel)
		switch {
		case name == whiteout.OpaqueName:
			return errors.Join(clearDir(filepath.Join(dst, dir)), removeKeepTimes(p))
		case strings.HasPrefix(name, whiteout.Prefix):
			return errors.Join(os.RemoveAll(filepath.Join(dst, dir, name[len(whiteout.Prefix):])), removeKeepTimes(p))
		}
		if st, err := os.Lstat(filepath.Join(dst, rel)); err == nil && st.IsDir() != d.IsDir() {
			return os.RemoveAll(filepath.Join(dst, rel))
		}
		return nil
	})
	ops.Must(t, err)
	ops.CpTree(t, diff, dst, "--remove-destination")
}

func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// removeKeepTimes removes p and gives its directory back its times.
func removeKeepTimes(p string) error {
	st, err := os.Lstat(filepath.Dir(p))
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil {
		return err
	}
	return os.Chtimes(filepath.Dir(p), st.ModTime(), st.ModTime())
}
