package layers

import (
	"errors"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/locker"
)

// fakeMounts counts what a Views mounts and unmounts.
type fakeMounts struct {
	mounted, unmounted int
	failUnmount        error
}

func newViews(f *fakeMounts) *Views[int, string] {
	tb := NewTable[int]("test")
	tb.Load("a", "", 0)
	return &Views[int, string]{Table: tb, Locks: &locker.Locker{},
		Mount: func(id string, _ Layer[int], _ string) (string, error) {
			f.mounted++
			return "/mnt/" + id, nil
		},
		Unmount: func(string, string) error { f.unmounted++; return f.failUnmount },
	}
}

func TestViewsMountOnceUnmountLast(t *testing.T) {
	f := &fakeMounts{}
	vs := newViews(f)
	for range 2 {
		if v, err := vs.Get("a", ""); err != nil || v != "/mnt/a" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if f.mounted != 1 {
		t.Fatalf("mounted %d times for two Gets, want 1", f.mounted)
	}
	if _, err := vs.Table.MarkRemoving("a", false); !errors.Is(err, graphdriver.ErrBusy) {
		t.Fatalf("removing a held layer = %v, want ErrBusy", err)
	}
	for i := range 2 {
		if err := vs.Put("a"); err != nil {
			t.Fatal(err)
		}
		if want := i; f.unmounted != want {
			t.Fatalf("after Put %d: unmounted %d times, want %d", i+1, f.unmounted, want)
		}
	}
	if err := vs.Put("a"); !errors.Is(err, graphdriver.ErrNotMounted) {
		t.Fatalf("Put without Get = %v, want ErrNotMounted", err)
	}
	if _, err := vs.Get("missing", ""); !errors.Is(err, graphdriver.ErrNotFound) || f.mounted != 1 {
		t.Fatalf("Get of a missing layer = %v (mounts %d), want ErrNotFound and no mount", err, f.mounted)
	}
}

func TestViewsFailedUnmountKeepsReference(t *testing.T) {
	f := &fakeMounts{failUnmount: errors.New("busy")}
	vs := newViews(f)
	if _, err := vs.Get("a", ""); err != nil {
		t.Fatal(err)
	}
	if err := vs.Put("a"); err == nil {
		t.Fatal("Put with a failing unmount succeeded")
	}
	if l, _ := vs.Table.Lookup("test", "a"); l.Holds != 1 {
		t.Fatalf("holds after a failed Put = %d, want 1", l.Holds)
	}
	f.failUnmount = nil
	if _, err := vs.Get("a", ""); err != nil {
		t.Fatal(err)
	}
	if err := vs.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if l, _ := vs.Table.Lookup("test", "a"); l.Holds != 0 || f.unmounted != 2 {
		t.Fatalf("after Cleanup: holds %d, unmounts %d; want 0 and 2", l.Holds, f.unmounted)
	}
}
