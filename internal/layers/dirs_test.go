package layers

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
)

type record struct {
	Parent string `json:"parent,omitempty"`
}

func newDirStore(t *testing.T) *DirStore[int, record] {
	t.Helper()
	home := t.TempDir()
	s := &DirStore[int, record]{Table: NewTable[int]("test"), Dir: filepath.Join(home, "dir"),
		Meta: MetaFiles[record]{Dir: filepath.Join(home, "meta")}}
	for _, dir := range []string{s.Dir, s.Meta.Dir} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestMetaFilesRoundTrip(t *testing.T) {
	s := newDirStore(t).Meta
	if _, found, err := s.Read("a"); found || err != nil {
		t.Fatalf("Read of a missing record = %v, %v; want not found", found, err)
	}
	if err := s.Write("a", record{Parent: "p"}); err != nil {
		t.Fatal(err)
	}
	if rec, found, err := s.Read("a"); !found || err != nil || rec.Parent != "p" {
		t.Fatalf("Read = %+v, %v, %v", rec, found, err)
	}
	// What a crash leaves: a torn temporary file, and a record of a
	// layer that is gone.
	if err := os.WriteFile(s.Path("b")+".tmp", []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Write("gone", record{}); err != nil {
		t.Fatal(err)
	}
	if err := s.PurgeOrphans(func(id string) bool { return id == "a" }); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(s.Dir)
	if len(entries) != 1 || entries[0].Name() != "a.json" {
		t.Fatalf("after PurgeOrphans: %v, want only a.json", entries)
	}
	if err := s.Remove("a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("a"); err != nil {
		t.Fatalf("second Remove = %v, want nil", err)
	}
}

func TestDirStoreCreateAndRemove(t *testing.T) {
	s := newDirStore(t)
	mustReserve(t, s.Table, "a")
	build := func(tmp string) error { return os.Mkdir(tmp, 0o755) }
	if err := s.Create("a", record{}, build); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.LayerDir("a")); err != nil || !exists(s.Table, "a") {
		t.Fatalf("after Create: dir err %v, ready %v", err, exists(s.Table, "a"))
	}
	if err := s.Remove("a", nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{s.LayerDir("a"), filepath.Join(s.Dir, RemovingPrefix+"a"), s.Meta.Path("a")} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived Remove (err %v)", p, err)
		}
	}
	if err := s.Remove("a", nil); !errors.Is(err, graphdriver.ErrNotFound) {
		t.Fatalf("second Remove = %v, want ErrNotFound", err)
	}
}

func TestDirStoreFailedCreateLeavesNothing(t *testing.T) {
	s := newDirStore(t)
	mustReserve(t, s.Table, "a")
	boom := errors.New("boom")
	build := func(tmp string) error {
		if err := os.Mkdir(tmp, 0o755); err != nil {
			return err
		}
		return boom
	}
	if err := s.Create("a", record{}, build); !errors.Is(err, boom) {
		t.Fatalf("Create = %v, want boom", err)
	}
	for _, dir := range []string{s.Dir, s.Meta.Dir} {
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("%s holds %v after a failed Create", dir, entries)
		}
	}
	if s.Table.Len() != 0 {
		t.Error("the reservation survived a failed Create")
	}
}

func TestTableRemoveUndoesAFailedAside(t *testing.T) {
	tb := NewTable[int]("test")
	tb.Load("a", "", 0)
	boom := errors.New("boom")
	err := tb.Remove("a", Removal[int]{
		Aside: func(Layer[int]) error { return boom },
		Purge: func(Layer[int]) error { t.Error("purge after a failed aside"); return nil },
	})
	if !errors.Is(err, boom) || !exists(tb, "a") {
		t.Fatalf("Remove = %v, layer ready %v; want boom and the layer kept", err, exists(tb, "a"))
	}
	err = tb.Remove("a", Removal[int]{
		Aside: func(Layer[int]) error { return nil },
		Purge: func(Layer[int]) error { return boom },
	})
	if !errors.Is(err, boom) || exists(tb, "a") || tb.Len() != 0 {
		t.Fatalf("Remove with a failed purge = %v, exists %v; want boom and the layer gone", err, exists(tb, "a"))
	}
}

func mustReserve(t *testing.T, tb *Table[int], id string) {
	t.Helper()
	if err := tb.Reserve(id, "", 0); err != nil {
		t.Fatal(err)
	}
}

func exists(tb *Table[int], id string) bool {
	_, err := tb.Lookup("exists", id)
	return err == nil
}
