//go:build !linux

package fstree

import (
	"fmt"

	graphdriver "github.com/layerfs/graphdriver"
)

// Xattr is one extended attribute that a layer tar carries.
type Xattr struct{ Key, Value string }

var errNotLinux = fmt.Errorf("walking layer trees needs Linux: %w", graphdriver.ErrNotSupported)

func List(string, bool) ([]Node, error)                    { return nil, errNotLinux }
func Lstat(string) (Node, error)                           { return Node{}, errNotLinux }
func LstatIfThere(string) (Node, bool, error)              { return Node{}, false, errNotLinux }
func CountNames(string) (int, error)                       { return 0, errNotLinux }
func ReadLink(string) (string, error)                      { return "", errNotLinux }
func ReadXattrs(string, *[]byte) ([]Xattr, error)          { return nil, errNotLinux }
func SameContent(string, string, *[2][]byte) (bool, error) { return false, errNotLinux }
