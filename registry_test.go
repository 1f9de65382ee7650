package graphdriver

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeDriver is a Driver that only knows its name and home.
type fakeDriver struct{ name, home string }

func (f *fakeDriver) String() string                                   { return f.name }
func (f *fakeDriver) Create(id, parent string, opts *CreateOpts) error { return nil }
func (f *fakeDriver) CreateReadWrite(id, parent string, opts *CreateOpts) error {
	return nil
}
func (f *fakeDriver) Remove(id string) error                             { return nil }
func (f *fakeDriver) Get(id, mountLabel string) (string, error)          { return "", nil }
func (f *fakeDriver) Put(id string) error                                { return nil }
func (f *fakeDriver) Exists(id string) bool                              { return false }
func (f *fakeDriver) Status() [][2]string                                { return nil }
func (f *fakeDriver) GetMetadata(id string) (map[string]string, error)   { return nil, nil }
func (f *fakeDriver) Cleanup() error                                     { return nil }
func (f *fakeDriver) Diff(id, parent string) (io.ReadCloser, error)      { return nil, nil }
func (f *fakeDriver) Changes(id, parent string) ([]Change, error)        { return nil, nil }
func (f *fakeDriver) ApplyDiff(string, string, io.Reader) (int64, error) { return 0, nil }
func (f *fakeDriver) DiffSize(id, parent string) (int64, error)          { return 0, nil }

// withRegistry runs the test with only the given backends registered:
// each name maps to nil (works) or the error its InitFunc returns.
func withRegistry(t *testing.T, backends map[string]error) {
	t.Helper()
	registryMu.Lock()
	saved := registry
	registry = map[string]InitFunc{}
	registryMu.Unlock()
	t.Cleanup(func() {
		registryMu.Lock()
		registry = saved
		registryMu.Unlock()
	})
	for name, err := range backends {
		Register(name, func(home string, _ []string, _ IDMap) (Driver, error) {
			if err != nil {
				return nil, err
			}
			return &fakeDriver{name: name, home: home}, nil
		})
	}
}

func notSupported(name string) error {
	return fmt.Errorf("%s: %w: no kernel support", name, ErrNotSupported)
}

func TestNewAutoSelects(t *testing.T) {
	tests := []struct {
		name      string
		backends  map[string]error
		withState []string // backends whose home already holds a file
		want      string
		wantErr   []string // substrings of the error
	}{
		{name: "priority order", backends: map[string]error{"vfs": nil, "naive": nil, "overlay2": nil}, want: "overlay2"},
		{name: "skips unsupported", backends: map[string]error{"vfs": nil, "overlay2": notSupported("overlay2")}, want: "vfs"},
		{name: "unlisted come last", backends: map[string]error{"zzz": nil, "vfs": notSupported("vfs")}, want: "zzz"},
		{name: "prior state wins", backends: map[string]error{"vfs": nil, "overlay2": nil}, withState: []string{"vfs"}, want: "vfs"},
		{name: "state of several", backends: map[string]error{"vfs": nil, "naive": nil}, withState: []string{"vfs", "naive"},
			wantErr: []string{"several backends", "naive", "vfs"}},
		{name: "none works lists reasons", backends: map[string]error{"vfs": notSupported("vfs"), "overlay2": notSupported("overlay2")},
			wantErr: []string{"no backend works", "vfs: not supported", "overlay2: not supported"}},
		{name: "real error stops", backends: map[string]error{"overlay2": errors.New("overlay2: disk on fire"), "vfs": nil},
			wantErr: []string{"disk on fire"}},
		{name: "nothing registered", backends: map[string]error{}, wantErr: []string{"no backend registered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withRegistry(t, tt.backends)
			root := t.TempDir()
			for _, n := range tt.withState {
				if err := os.MkdirAll(filepath.Join(root, n, "dir"), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			d, err := New("", root, nil, IDMap{})
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("New = %v, want an error", d)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.String() != tt.want {
				t.Fatalf("New chose %s, want %s", d, tt.want)
			}
			if home := d.(*fakeDriver).home; home != filepath.Join(root, tt.want) {
				t.Fatalf("home = %s, want %s", home, filepath.Join(root, tt.want))
			}
		})
	}
}

func TestNewByName(t *testing.T) {
	withRegistry(t, map[string]error{"vfs": nil})
	d, err := New("vfs", t.TempDir(), nil, IDMap{})
	if err != nil || d.String() != "vfs" {
		t.Fatalf("New(vfs) = %v, %v", d, err)
	}
	_, err = New("nope", t.TempDir(), nil, IDMap{})
	if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("New(nope) error = %v, want ErrNotSupported naming it", err)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	withRegistry(t, map[string]error{"vfs": nil})
	defer func() {
		if recover() == nil {
			t.Fatal("second Register of vfs did not panic")
		}
	}()
	Register("vfs", func(string, []string, IDMap) (Driver, error) { return nil, nil })
}

func TestBackendsOrder(t *testing.T) {
	withRegistry(t, map[string]error{"b": nil, "vfs": nil, "a": nil, "overlay2": nil})
	got := strings.Join(Backends(), ",")
	if want := "overlay2,vfs,a,b"; got != want {
		t.Fatalf("Backends() = %s, want %s", got, want)
	}
}
