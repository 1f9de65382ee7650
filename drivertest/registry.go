package drivertest

import (
	"testing"

	"github.com/layerfs/graphdriver"
)

// CheckRegistered checks that the backend name is registered (its
// package was imported): graphdriver.New(name, ...) opens it with
// options, and once it holds a layer, graphdriver.New("", ...) on the
// same root picks it again. A backend that cannot work here skips
// (graphdriver.ErrNotSupported) saying why.
func CheckRegistered(t *testing.T, name string, options ...string) {
	t.Helper()
	root := t.TempDir()
	d, err := graphdriver.New(name, root, options, graphdriver.IDMap{})
	skipIfNotSupported(t, err, "New("+name+")")
	if err != nil {
		t.Fatalf("New(%q): %v", name, err)
	}
	if d.String() != name {
		t.Fatalf("New(%q) gave %s", name, d)
	}
	if err := d.Create("a", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Cleanup(); err != nil {
		t.Fatal(err)
	}
	again, err := graphdriver.New("", root, options, graphdriver.IDMap{})
	if err != nil || again.String() != name || !again.Exists("a") {
		t.Fatalf("New(\"\") = %v, %v; want the existing %s store", again, err, name)
	}
	if err := again.Cleanup(); err != nil {
		t.Fatal(err)
	}
}
