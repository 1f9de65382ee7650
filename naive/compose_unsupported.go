//go:build !linux

package naive

import (
	"fmt"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/cow"
)

func (c *composer) compose(dst string, diffs []string) error { return errNotLinux }

func materialize(dst, src string, entries []archive.Entry, own func(devIno) bool, copier *cow.Copier) error {
	return errNotLinux
}

func storedEntries(root string) ([]archive.Entry, int64, error) { return nil, 0, errNotLinux }
func removeTree(path string) error                              { return errNotLinux }
func exchange(a, b, aside string) error                         { return errNotLinux }
func fsyncDir(dir string) error                                 { return errNotLinux }
func syncDir(dir string) error                                  { return errNotLinux }

var errNotLinux = fmt.Errorf("naive needs Linux: %w", graphdriver.ErrNotSupported)
