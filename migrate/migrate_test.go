package migrate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
)

func TestOrder(t *testing.T) {
	tests := []struct {
		name    string
		layers  []Layer
		want    string
		wantErr string
	}{
		{name: "chain given top first", layers: []Layer{{"c", "b"}, {"b", "a"}, {"a", ""}}, want: "a b c"},
		{name: "siblings by id", layers: []Layer{{"z", "base"}, {"m", "base"}, {"base", ""}, {"other", ""}}, want: "base other m z"},
		{name: "missing parent", layers: []Layer{{"b", "a"}}, wantErr: "parent a is not in the store"},
		{name: "listed twice", layers: []Layer{{"a", ""}, {"a", ""}}, wantErr: "listed twice"},
		{name: "cycle", layers: []Layer{{"a", "b"}, {"b", "a"}}, wantErr: "cycle"},
		{name: "empty", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Order(tt.layers)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Order = %v, %v; want an error saying %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, l := range got {
				ids = append(ids, l.ID)
			}
			if strings.Join(ids, " ") != tt.want {
				t.Fatalf("Order = %v, want %s", ids, tt.want)
			}
		})
	}
}

// memDriver is a store that keeps each layer's tar as its state: Diff
// returns what ApplyDiff got, changed by mangle when set.
type memDriver struct {
	graphdriver.Driver // methods Copy does not use panic
	name               string
	layers             map[string][]byte
	mangle             func([]byte) []byte
}

func newMem(name string) *memDriver { return &memDriver{name: name, layers: map[string][]byte{}} }

func (m *memDriver) String() string { return m.name }
func (m *memDriver) Create(id, parent string, _ *graphdriver.CreateOpts) error {
	if _, ok := m.layers[id]; ok {
		return graphdriver.ErrExists
	}
	if _, ok := m.layers[parent]; parent != "" && !ok {
		return graphdriver.ErrNotFound
	}
	m.layers[id] = nil
	return nil
}
func (m *memDriver) Remove(id string) error { delete(m.layers, id); return nil }
func (m *memDriver) ApplyDiff(id, _ string, r io.Reader) (int64, error) {
	b, err := io.ReadAll(r)
	m.layers[id] = b
	return int64(len(b)), err
}
func (m *memDriver) Diff(id, _ string) (io.ReadCloser, error) {
	b, ok := m.layers[id]
	if !ok {
		return nil, graphdriver.ErrNotFound
	}
	if m.mangle != nil {
		b = m.mangle(b)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func TestCopyChecksEveryLayer(t *testing.T) {
	src := newMem("src")
	for i, id := range []string{"a", "b", "c"} {
		src.layers[id] = []byte(fmt.Sprintf("layer %d", i))
	}
	layers := []Layer{{"c", "b"}, {"a", ""}, {"b", "a"}}
	dst := newMem("dst")
	done, err := Copy(dst, src, layers)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 3 || done[0].ID != "a" || done[2].ID != "c" || done[1].Size != int64(len("layer 1")) {
		t.Fatalf("Copy reported %+v", done)
	}
	for id, b := range src.layers {
		if !bytes.Equal(dst.layers[id], b) {
			t.Fatalf("layer %s: dst holds %q, want %q", id, dst.layers[id], b)
		}
	}

	// A destination whose Diff of the second layer differs from the source's.
	bad := newMem("bad")
	bad.mangle = func(b []byte) []byte {
		if string(b) == "layer 1" {
			return []byte("layer 1, changed")
		}
		return b
	}
	done, err = Copy(bad, src, layers)
	if err == nil || !strings.Contains(err.Error(), "layer b") || !strings.Contains(err.Error(), "Diff differs") {
		t.Fatalf("Copy into a store that changes layer b = %v, want an error naming b", err)
	}
	if len(done) != 1 || bad.layers["c"] != nil {
		t.Fatalf("Copy went on past the failure: %+v", done)
	}
	if _, err := Copy(dst, src, layers); !errors.Is(err, graphdriver.ErrExists) {
		t.Fatalf("Copy onto taken ids = %v, want ErrExists", err)
	}
}
