//go:build linux

package drivertest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/layerfs/graphdriver"
)

// fakeDriver is the smallest backend that keeps the contract: each layer
// is a full copy of its parent under home/layers, its parent's id is in
// home/parents. It exists so the suite can test itself.
type fakeDriver struct {
	home string
	mu   sync.Mutex // guards everything: the fake favours simple over fast
	refs map[string]int
}

var _ graphdriver.Driver = (*fakeDriver)(nil)

func newFakeDriver(home string) (*fakeDriver, error) {
	for _, dir := range []string{"layers", "parents"} {
		if err := os.MkdirAll(filepath.Join(home, dir), 0o700); err != nil {
			return nil, err
		}
	}
	return &fakeDriver{home: home, refs: map[string]int{}}, nil
}

func (d *fakeDriver) String() string              { return "fake" }
func (d *fakeDriver) dir(id string) string        { return filepath.Join(d.home, "layers", id) }
func (d *fakeDriver) parentFile(id string) string { return filepath.Join(d.home, "parents", id) }
func (d *fakeDriver) Status() [][2]string         { return [][2]string{{"Storage", "full copies"}} }
func (d *fakeDriver) Cleanup() error              { return nil }
func (d *fakeDriver) wrap(op, id string, err error) error {
	return fmt.Errorf("fake: %s %s: %w", op, id, err)
}

func (d *fakeDriver) exists(id string) bool {
	_, err := os.Lstat(d.dir(id))
	return graphdriver.ValidateID(id) == nil && err == nil
}

// check validates id and, with mustExist, that the layer exists.
func (d *fakeDriver) check(op, id string, mustExist bool) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return d.wrap(op, id, err)
	}
	if mustExist && !d.exists(id) {
		return d.wrap(op, id, graphdriver.ErrNotFound)
	}
	return nil
}

func (d *fakeDriver) Create(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.create(id, parent, opts)
}

func (d *fakeDriver) CreateReadWrite(id, parent string, opts *graphdriver.CreateOpts) error {
	return d.create(id, parent, opts)
}

func (d *fakeDriver) create(id, parent string, opts *graphdriver.CreateOpts) (err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkCreate(id, parent, opts); err != nil {
		return err
	}
	tmp := filepath.Join(d.home, "tmp-"+id)
	defer func() {
		if err != nil {
			err = errors.Join(err, os.RemoveAll(tmp))
		}
	}()
	if parent == "" {
		err = errors.Join(os.Mkdir(tmp, 0o755), os.Chmod(tmp, 0o755))
	} else {
		err = copyTree(d.dir(parent), tmp)
	}
	if err == nil {
		err = os.WriteFile(d.parentFile(id), []byte(parent), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp, d.dir(id))
	}
	if err != nil {
		return d.wrap("create", id, errors.Join(err, os.Remove(d.parentFile(id))))
	}
	return nil
}

func (d *fakeDriver) checkCreate(id, parent string, opts *graphdriver.CreateOpts) error {
	if err := d.check("create", id, false); err != nil {
		return err
	}
	if opts != nil {
		for key := range opts.StorageOpt {
			if key == "size" {
				return d.wrap("create", id, fmt.Errorf("size option: %w", graphdriver.ErrNotSupported))
			}
			return d.wrap("create", id, fmt.Errorf("unknown storage option %q", key))
		}
	}
	if d.exists(id) {
		return d.wrap("create", id, graphdriver.ErrExists)
	}
	if parent != "" {
		if err := d.check("create "+id+" on parent", parent, true); err != nil {
			return err
		}
	}
	return nil
}

func (d *fakeDriver) Remove(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.check("remove", id, true); err != nil {
		return err
	}
	if d.refs[id] > 0 {
		return d.wrap("remove", id, graphdriver.ErrBusy)
	}
	n, err := d.children(id)
	if err != nil {
		return d.wrap("remove", id, err)
	}
	if n > 0 {
		return d.wrap("remove", id, fmt.Errorf("%d children: %w", n, graphdriver.ErrHasChildren))
	}
	aside := filepath.Join(d.home, "removing-"+id)
	if err := os.Rename(d.dir(id), aside); err != nil {
		return d.wrap("remove", id, err)
	}
	if err := errors.Join(os.RemoveAll(aside), os.Remove(d.parentFile(id))); err != nil {
		return d.wrap("remove", id, err)
	}
	return nil
}

func (d *fakeDriver) children(id string) (int, error) {
	entries, err := os.ReadDir(filepath.Join(d.home, "parents"))
	n := 0
	for _, e := range entries {
		b, readErr := os.ReadFile(d.parentFile(e.Name()))
		err = errors.Join(err, readErr)
		if string(b) == id {
			n++
		}
	}
	return n, err
}

func (d *fakeDriver) Get(id, _ string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.check("get", id, true); err != nil {
		return "", err
	}
	d.refs[id]++
	return d.dir(id), nil
}

func (d *fakeDriver) Put(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.check("put", id, true); err != nil {
		return err
	}
	if d.refs[id] == 0 {
		return d.wrap("put", id, graphdriver.ErrNotMounted)
	}
	d.refs[id]--
	return nil
}

func (d *fakeDriver) Exists(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.exists(id)
}

func (d *fakeDriver) GetMetadata(id string) (map[string]string, error) {
	if err := d.check("metadata", id, true); err != nil {
		return nil, err
	}
	return map[string]string{"Dir": d.dir(id)}, nil
}

// noDiff is every diff operation of the fake: not supported, once the
// layers named exist.
func (d *fakeDriver) noDiff(op, id, parent string) error {
	if err := d.check(op, id, true); err != nil {
		return err
	}
	if parent != "" {
		if err := d.check(op+" "+id+" against", parent, true); err != nil {
			return err
		}
	}
	return d.wrap(op, id, graphdriver.ErrNotSupported)
}

func (d *fakeDriver) Diff(id, parent string) (io.ReadCloser, error) {
	return nil, d.noDiff("diff", id, parent)
}

func (d *fakeDriver) Changes(id, parent string) ([]graphdriver.Change, error) {
	return nil, d.noDiff("changes", id, parent)
}

func (d *fakeDriver) ApplyDiff(id, parent string, _ io.Reader) (int64, error) {
	return 0, d.noDiff("apply diff", id, parent)
}

func (d *fakeDriver) DiffSize(id, parent string) (int64, error) {
	return 0, d.noDiff("diff size", id, parent)
}
