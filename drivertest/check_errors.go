package drivertest

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
)

func checkErrors(h *harness) {
	cases := []struct {
		name string
		run  func(h *harness)
	}{
		{"taken-id", errTakenID},
		{"missing-parent", errMissingParent},
		{"invalid-ids", errInvalidIDs},
		{"valid-ids", errValidIDs},
		{"missing-id", errMissingID},
		{"has-children", errHasChildren},
		{"busy", errBusy},
		{"put-not-mounted", errPutNotMounted},
		{"size-option", errSizeOption},
		{"bad-storage-options", errBadStorageOptions},
	}
	for _, c := range cases {
		h.t.Run(c.name, func(t *testing.T) { c.run(h.sub(t)) })
	}
}

// expectNoTrace checks that a failed create of id left nothing: the id
// does not exist and the home holds exactly the paths it held before.
func (h *harness) expectNoTrace(id string, before []string, call string) {
	h.t.Helper()
	if h.d.Exists(id) {
		h.t.Errorf("%s failed but Exists(%q) = true", call, id)
	}
	after := h.homeListing()
	added := slices.DeleteFunc(slices.Clone(after), func(p string) bool { return slices.Contains(before, p) })
	removed := slices.DeleteFunc(slices.Clone(before), func(p string) bool { return slices.Contains(after, p) })
	if len(added)+len(removed) > 0 {
		h.t.Errorf("%s failed but changed the home:\n  added:   %q\n  removed: %q", call, added, removed)
	}
}

// expectCreatable checks that id can be made (and removed) after a failed
// create of the same id.
func (h *harness) expectCreatable(id string) {
	h.t.Helper()
	if err := h.d.CreateReadWrite(id, "", nil); err != nil {
		h.t.Errorf("CreateReadWrite(%q) after a failed create: %v", id, err)
		return
	}
	h.remove(id)
}

func errTakenID(h *harness) {
	h.create("taken-ro", "")
	h.createRW("taken-rw", "")
	h.write("taken-rw", CreateFile("keep", []byte("kept\n"), 0o644))
	want := h.tree("taken-rw")
	before := h.homeListing()
	for _, c := range h.creators() {
		for _, id := range []string{"taken-ro", "taken-rw"} {
			call := fmt.Sprintf("%s(%q) of a taken id", c.name, id)
			expectErr(h.t, c.create(id, "", nil), graphdriver.ErrExists, call)
			call = fmt.Sprintf("%s(%q, %q) of a taken id", c.name, id, "taken-ro")
			expectErr(h.t, c.create(id, "taken-ro", nil), graphdriver.ErrExists, call)
		}
	}
	if after := h.homeListing(); !slices.Equal(before, after) {
		h.t.Errorf("failed creates on taken ids changed the home:\nbefore: %q\nafter:  %q", before, after)
	}
	h.requireTree("taken-rw", want, "after failed creates on its id")
	h.requireTree("taken-ro", emptyRoot(), "after failed creates on its id")
}

func errMissingParent(h *harness) {
	for _, c := range h.creators() {
		before := h.homeListing()
		call := fmt.Sprintf("%s(%q, %q)", c.name, "orphan", "no-such-parent")
		expectErr(h.t, c.create("orphan", "no-such-parent", nil), graphdriver.ErrNotFound, call)
		h.expectNoTrace("orphan", before, call)
		h.expectCreatable("orphan")
	}
}

// invalidIDs are ids every backend must refuse, by name.
var invalidIDs = map[string]string{
	"empty":          "",
	"dot":            ".",
	"dotdot":         "..",
	"slash":          "a/b",
	"escape":         "../x",
	"absolute":       "/abs",
	"leading-dash":   "-a",
	"hidden":         ".hidden",
	"space":          "a b",
	"nul":            "a\x00b",
	"129-bytes":      strings.Repeat("a", graphdriver.MaxIDLength+1),
	"non-ascii":      "ü",
	"trailing-slash": "a/",
}

func errInvalidIDs(h *harness) {
	// A backend that joins ids to paths unchecked would touch this file
	// through "../x" from a layer directory one level under the home.
	canary := filepath.Join(filepath.Dir(h.home), "x")
	if err := os.WriteFile(canary, []byte("canary\n"), 0o644); err != nil {
		h.t.Fatal(err)
	}
	before := h.homeListing()
	for _, name := range slices.Sorted(maps.Keys(invalidIDs)) {
		id := invalidIDs[name]
		h.t.Run(name, func(t *testing.T) {
			s := h.sub(t)
			for _, c := range s.creators() {
				expectErr(t, c.create(id, "", nil), graphdriver.ErrInvalidID, fmt.Sprintf("%s(%q)", c.name, id))
				if id == "" {
					continue // parent "" means no parent
				}
				call := fmt.Sprintf("%s(%q, %q) with an invalid parent", c.name, "valid", id)
				expectOneOf(t, c.create("valid", id, nil), call, graphdriver.ErrInvalidID, graphdriver.ErrNotFound)
			}
			dir, err := s.d.Get(id, "")
			expectErr(t, err, graphdriver.ErrInvalidID, fmt.Sprintf("Get(%q)", id))
			if err == nil {
				t.Errorf("Get(%q) returned %s", id, dir)
			}
			expectErr(t, s.d.Remove(id), graphdriver.ErrInvalidID, fmt.Sprintf("Remove(%q)", id))
			if s.d.Exists(id) {
				t.Errorf("Exists(%q) = true", id)
			}
			s.expectNoTrace("valid", before, "create with an invalid id")
		})
	}
	if _, err := os.Stat(canary); err != nil {
		h.t.Errorf("a file outside the home was touched by calls with invalid ids: %v", err)
	}
}

func errValidIDs(h *harness) {
	ids := []string{"a", "Z", "0", "a.b-c_d", "a..", "A-", strings.Repeat("f", graphdriver.MaxIDLength)}
	for _, id := range ids {
		h.createRW(id, "")
		if !h.d.Exists(id) {
			h.t.Errorf("Exists(%q) = false after CreateReadWrite", id)
		}
		h.get(id)
		h.put(id)
		h.remove(id)
	}
}
