//go:build !linux

package naive

import (
	"fmt"

	graphdriver "github.com/layerfs/graphdriver"
)

type xattr struct{}

var errNotLinux = fmt.Errorf("walking layer trees needs Linux: %w", graphdriver.ErrNotSupported)

func listDir(string, bool) ([]node, error)                 { return nil, errNotLinux }
func readLink(string) (string, error)                      { return "", errNotLinux }
func readXattrs(string, *[]byte) ([]xattr, error)          { return nil, errNotLinux }
func lstatNode(string) (node, error)                       { return node{}, errNotLinux }
func sameContent(string, string, *[2][]byte) (bool, error) { return false, errNotLinux }
func lstatIfThere(string) (node, bool, error)              { return node{}, false, errNotLinux }
func countNames(string) (int, error)                       { return 0, errNotLinux }
