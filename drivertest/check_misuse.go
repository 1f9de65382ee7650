package drivertest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
)

func errMissingID(h *harness) {
	const id = "missing"
	h.createRW("present", "")
	before := h.homeListing()
	if h.d.Exists(id) {
		h.t.Errorf("Exists(%q) = true", id)
	}
	dir, err := h.d.Get(id, "")
	expectErr(h.t, err, graphdriver.ErrNotFound, "Get of a missing id")
	if err == nil {
		h.t.Errorf("Get(%q) of a missing id returned %s", id, dir)
	}
	expectErr(h.t, h.d.Put(id), graphdriver.ErrNotFound, "Put of a missing id")
	expectErr(h.t, h.d.Remove(id), graphdriver.ErrNotFound, "Remove of a missing id")
	_, err = h.d.GetMetadata(id)
	expectErr(h.t, err, graphdriver.ErrNotFound, "GetMetadata of a missing id")
	// Diff operations may be unsupported altogether; if they are not,
	// a missing layer or parent is ErrNotFound.
	for _, pair := range [][2]string{{id, ""}, {"present", id}} {
		for _, call := range diffCalls(h.d, pair[0], pair[1]) {
			expectOneOf(h.t, call.run(), call.name, graphdriver.ErrNotFound, graphdriver.ErrNotSupported)
		}
	}
	h.expectNoTrace(id, before, "calls on a missing id")
}

// diffCall is one diff operation with its result reduced to an error.
type diffCall struct {
	name string
	run  func() error
}

func diffCalls(d graphdriver.Driver, id, parent string) []diffCall {
	args := fmt.Sprintf("(%q, %q)", id, parent)
	return []diffCall{
		{"Changes" + args, func() error { _, err := d.Changes(id, parent); return err }},
		{"DiffSize" + args, func() error { _, err := d.DiffSize(id, parent); return err }},
		{"Diff" + args, func() error {
			rc, err := d.Diff(id, parent)
			if rc != nil {
				rc.Close()
			}
			return err
		}},
		{"ApplyDiff" + args, func() error {
			_, err := d.ApplyDiff(id, parent, bytes.NewReader(smallTar()))
			return err
		}},
	}
}

func errHasChildren(h *harness) {
	h.dumpOnFailure("hc-parent", "hc-child", "hc-grandchild")
	h.createRW("hc-parent", "")
	h.write("hc-parent", CreateFile("f", []byte("parent\n"), 0o644))
	want := h.tree("hc-parent")
	h.create("hc-child", "hc-parent")
	h.createRW("hc-grandchild", "hc-child")
	expectErr(h.t, h.d.Remove("hc-parent"), graphdriver.ErrHasChildren, "Remove of a parent")
	expectErr(h.t, h.d.Remove("hc-child"), graphdriver.ErrHasChildren, "Remove of a middle layer")
	h.requireTree("hc-parent", want, "after a refused Remove")
	h.requireTree("hc-grandchild", want, "after refused Removes of its ancestors")
	h.remove("hc-grandchild")
	expectErr(h.t, h.d.Remove("hc-parent"), graphdriver.ErrHasChildren, "Remove of a parent")
	h.remove("hc-child")
	h.remove("hc-parent")
}

func errBusy(h *harness) {
	for _, c := range h.creators() {
		id := "busy-" + c.name
		if err := c.create(id, "", nil); err != nil {
			h.t.Fatalf("%s(%q): %v", c.name, id, err)
		}
		dir := h.get(id)
		expectErr(h.t, h.d.Remove(id), graphdriver.ErrBusy, fmt.Sprintf("Remove of a layer held by Get (%s)", c.name))
		if !h.d.Exists(id) {
			h.t.Errorf("Exists(%q) = false after a refused Remove", id)
		}
		if _, err := os.ReadDir(dir); err != nil {
			h.t.Errorf("the view of %s is unreadable after a refused Remove: %v", id, err)
		}
		h.put(id)
		h.remove(id)
	}
}

func errPutNotMounted(h *harness) {
	const id = "idle"
	h.createRW(id, "")
	expectErr(h.t, h.d.Put(id), graphdriver.ErrNotMounted, "Put without Get")
	h.get(id)
	h.put(id)
	expectErr(h.t, h.d.Put(id), graphdriver.ErrNotMounted, "Put after the last Put")
	// A count pushed below zero by the extra Puts would let this Remove
	// through while the layer is held.
	h.get(id)
	expectErr(h.t, h.d.Remove(id), graphdriver.ErrBusy, "Remove after extra Puts and a new Get")
	h.put(id)
	h.remove(id)
}

func errSizeOption(h *harness) {
	opts := &graphdriver.CreateOpts{StorageOpt: map[string]string{"size": "10G"}}
	for _, c := range h.creators() {
		id := "sized-" + c.name
		before := h.homeListing()
		err := c.create(id, "", opts)
		call := fmt.Sprintf(`%s(%q) with StorageOpt size=10G`, c.name, id)
		if err != nil {
			expectErr(h.t, err, graphdriver.ErrNotSupported, call)
			h.expectNoTrace(id, before, call)
			h.t.Logf("%s: %v", call, err)
			continue
		}
		h.get(id)
		h.put(id)
		h.remove(id)
	}
}

func errBadStorageOptions(h *harness) {
	bad := []map[string]string{{"size": "garbage"}, {"bogus": "1"}}
	for _, c := range h.creators() {
		for _, opt := range bad {
			id := "bad-opt-" + c.name
			before := h.homeListing()
			err := c.create(id, "", &graphdriver.CreateOpts{StorageOpt: opt})
			call := fmt.Sprintf("%s(%q) with StorageOpt %v", c.name, id, opt)
			if err == nil {
				h.t.Errorf("%s: no error", call)
				h.remove(id)
				continue
			}
			h.expectNoTrace(id, before, call)
			h.expectCreatable(id)
		}
	}
}

// checkErrorMessages checks that errors name the backend and the id, so
// a log line is enough to tell what failed where.
func checkErrorMessages(h *harness) {
	name := h.d.String()
	h.create("msg-taken", "")
	h.createRW("msg-busy", "")
	h.get("msg-busy")
	defer h.put("msg-busy")
	_, getErr := h.d.Get("msg-missing", "")
	cases := []struct {
		call, id string
		err      error
	}{
		{"Get of a missing id", "msg-missing", getErr},
		{"Create of a taken id", "msg-taken", h.d.Create("msg-taken", "", nil)},
		{"Create with a missing parent", "msg-orphan", h.d.Create("msg-orphan", "msg-no-parent", nil)},
		{"Remove of a busy layer", "msg-busy", h.d.Remove("msg-busy")},
	}
	for _, c := range cases {
		h.t.Run(strings.ReplaceAll(c.call, " ", "-"), func(t *testing.T) {
			if c.err == nil {
				t.Fatalf("%s: no error", c.call)
			}
			msg := c.err.Error()
			if !strings.Contains(msg, name) || !strings.Contains(msg, c.id) {
				t.Errorf("%s: error %q should name the backend %q and the id %q", c.call, msg, name, c.id)
			}
		})
	}
}

// readView reads file name in layer id's view held at dir.
func readView(t testing.TB, id, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Errorf("read %s in the view of %s: %v", name, id, err)
	}
	return string(b)
}
