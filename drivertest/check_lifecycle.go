package drivertest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
)

type createFunc func(id, parent string, opts *graphdriver.CreateOpts) error

// creators names the two ways to make a layer, for table-driven checks.
func (h *harness) creators() []struct {
	name   string
	create createFunc
} {
	return []struct {
		name   string
		create createFunc
	}{{"Create", h.d.Create}, {"CreateReadWrite", h.d.CreateReadWrite}}
}

// emptyRoot is the tree of a layer made with parent "": one 0755
// directory owned by root, or by the caller when the suite is not root.
func emptyRoot() Tree {
	uid, gid := 0, 0
	if !privileged() {
		uid, gid = os.Geteuid(), os.Getegid()
	}
	return Tree{".": {Type: TypeDir, Mode: 0o755, UID: uid, GID: gid}}
}

func checkCreateEmpty(h *harness) {
	for _, c := range h.creators() {
		h.t.Run(c.name, func(t *testing.T) {
			s := h.sub(t)
			id := "empty-" + c.name
			if err := c.create(id, "", nil); err != nil {
				t.Fatalf("%s(%q, \"\"): %v", c.name, id, err)
			}
			if !s.d.Exists(id) {
				t.Errorf("Exists(%q) = false after %s", id, c.name)
			}
			dir := s.get(id)
			if !filepath.IsAbs(dir) {
				t.Errorf("Get(%q) = %q, want an absolute path", id, dir)
			}
			CheckTreesEqual(t, emptyRoot(), s.snapshot(dir))
			s.put(id)
		})
	}
}

// writeRich fills read-write layer id with the rich fixture and returns
// the fixture, to build models from.
func (h *harness) writeRich(id string) Applier {
	h.t.Helper()
	dir := h.get(id)
	fixture := richFixture(h.t, dir)
	err := fixture.Apply(dir)
	h.put(id)
	if err != nil {
		h.t.Fatalf("write rich fixture into %s: %v", id, err)
	}
	return fixture
}

// fixtureParts split the rich fixture so that what needs root or a
// filesystem feature skips visibly, with its reason.
var fixtureParts = []struct {
	name    string
	fixture func(t testing.TB, dir string) Applier
}{
	{"basic", func(testing.TB, string) Applier { return basicTree() }},
	{"user-xattrs", func(t testing.TB, dir string) Applier {
		if err := probe(dir, userXattrProbe); err != nil {
			t.Skipf("the filesystem of the layer refuses user.* xattrs: %v", err)
		}
		return Apply(basicTree(), userXattrs())
	}},
	{"privileged", func(t testing.TB, dir string) Applier {
		skipUnlessRoot(t, "foreign owners, devices, mode 0000 files, trusted.* xattrs, file capabilities")
		return Apply(basicTree(), privilegedParts(t, dir))
	}},
}

// checkCreateFromParent fills a parent and checks that children made
// with Create and CreateReadWrite show the same tree.
func checkCreateFromParent(h *harness) {
	for _, part := range fixtureParts {
		h.t.Run(part.name, func(t *testing.T) {
			s := h.sub(t)
			parent, child, rwChild := part.name+"-parent", part.name+"-child", part.name+"-rw-child"
			s.dumpOnFailure(parent, child, rwChild)
			s.createRW(parent, "")
			dir := s.get(parent)
			fixture := part.fixture(t, dir)
			err := fixture.Apply(dir)
			s.put(parent)
			if err != nil {
				t.Fatalf("write the fixture into %s: %v", parent, err)
			}
			want := s.model(fixture)
			s.requireTree(parent, want, "written with the fixture")
			s.create(child, parent)
			s.requireTree(child, want, "Create of a child of "+parent)
			s.createRW(rwChild, parent)
			s.requireTree(rwChild, want, "CreateReadWrite of a child of "+parent)
			s.requireTree(parent, want, "parent after making children")
		})
	}
}

func checkExistsRemove(h *harness) {
	for _, c := range h.creators() {
		h.t.Run(c.name, func(t *testing.T) {
			s := h.sub(t)
			id := "gone-" + c.name
			if err := c.create(id, "", nil); err != nil {
				t.Fatalf("%s(%q): %v", c.name, id, err)
			}
			if !s.d.Exists(id) {
				t.Errorf("Exists(%q) = false after %s", id, c.name)
			}
			s.remove(id)
			s.expectGone(id)
			if err := c.create(id, "", nil); err != nil {
				t.Fatalf("%s(%q) again after Remove: %v", c.name, id, err)
			}
			s.requireTree(id, emptyRoot(), "made again after Remove")
		})
	}
	h.t.Run("with-content", func(t *testing.T) {
		s := h.sub(t)
		s.createRW("full", "")
		s.write("full", CreateFile("f", []byte("content\n"), 0o644))
		s.remove("full")
		s.expectGone("full")
		s.createRW("full", "")
		s.requireTree("full", emptyRoot(), "made again after Remove of a layer with content")
	})
}

// expectGone checks that a removed id is gone from every method's view.
func (h *harness) expectGone(id string) {
	h.t.Helper()
	if h.d.Exists(id) {
		h.t.Errorf("Exists(%q) = true after Remove", id)
	}
	dir, err := h.d.Get(id, "")
	expectErr(h.t, err, graphdriver.ErrNotFound, "Get of a removed layer")
	if err == nil {
		h.t.Errorf("Get(%q) of a removed layer returned %s", id, dir)
		_ = h.d.Put(id)
	}
	expectErr(h.t, h.d.Remove(id), graphdriver.ErrNotFound, "second Remove")
}

func checkStatus(h *harness) {
	name := h.d.String()
	if name == "" {
		h.t.Error("String() is empty")
	}
	if again := h.d.String(); again != name {
		h.t.Errorf("String() changed from %q to %q", name, again)
	}
	status := h.d.Status()
	if len(status) == 0 {
		h.t.Errorf("%s: Status() is empty", name)
	}
	for _, kv := range status {
		h.t.Logf("status: %s = %s", kv[0], kv[1])
	}
	h.createRW("meta", "")
	h.create("meta-child", "meta")
	for _, id := range []string{"meta", "meta-child"} {
		md, err := h.d.GetMetadata(id)
		if err != nil {
			h.t.Errorf("GetMetadata(%q): %v", id, err)
		}
		h.t.Logf("metadata of %s: %v", id, md)
	}
	h.reopen()
	if again := h.d.String(); again != name {
		h.t.Errorf("String() after reopening = %q, want %q", again, name)
	}
}

func checkReopen(h *harness) {
	h.dumpOnFailure("base", "image", "ctr")
	h.createRW("base", "")
	baseFixture := h.writeRich("base")
	h.create("image", "base")
	h.createRW("ctr", "image")
	ctrChanges := Apply(CreateFile("ctr-file", []byte("container\n"), 0o644), RemoveAll("a"))
	h.write("ctr", ctrChanges)
	want := map[string]Tree{
		"base":  h.model(baseFixture),
		"image": h.model(baseFixture),
		"ctr":   h.model(baseFixture, ctrChanges),
	}
	h.reopen()
	for _, id := range []string{"base", "image", "ctr"} {
		if !h.d.Exists(id) {
			h.t.Fatalf("Exists(%q) = false after reopening", id)
		}
		h.requireTree(id, want[id], "after reopening")
	}
	expectErr(h.t, h.d.Remove("base"), graphdriver.ErrHasChildren, "Remove of a parent after reopening")
	expectErr(h.t, h.d.Remove("image"), graphdriver.ErrHasChildren, "Remove of a parent after reopening")
	more := CreateFile("after-reopen", []byte("still writable\n"), 0o644)
	h.write("ctr", more)
	h.requireTree("ctr", h.model(baseFixture, ctrChanges, more), "written after reopening")
	for _, id := range []string{"ctr", "image", "base"} {
		h.remove(id)
	}
	h.reopen()
	for _, id := range []string{"ctr", "image", "base"} {
		if h.d.Exists(id) {
			h.t.Errorf("Exists(%q) = true after Remove and reopening", id)
		}
	}
}
