package vfs_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	_ "github.com/layerfs/graphdriver/vfs"
)

// A base layer, a container layer on top, and copy-up on write: the
// container's change does not reach the base.
func Example() {
	root, _ := os.MkdirTemp("", "vfs-example-")
	defer os.RemoveAll(root)

	d, err := graphdriver.New("vfs", root, nil, graphdriver.IDMap{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Cleanup()

	_ = d.CreateReadWrite("base", "", nil)
	dir, _ := d.Get("base", "")
	_ = os.WriteFile(filepath.Join(dir, "motd"), []byte("base"), 0o644)
	_ = d.Put("base")

	_ = d.CreateReadWrite("ctr", "base", nil)
	dir, _ = d.Get("ctr", "")
	_ = os.WriteFile(filepath.Join(dir, "motd"), []byte("container"), 0o644)
	ctrMotd, _ := os.ReadFile(filepath.Join(dir, "motd"))
	_ = d.Put("ctr")

	dir, _ = d.Get("base", "")
	baseMotd, _ := os.ReadFile(filepath.Join(dir, "motd"))
	_ = d.Put("base")

	fmt.Printf("ctr: %s, base: %s\n", ctrMotd, baseMotd)
	fmt.Println(d.Remove("base"))
	// Output:
	// ctr: container, base: base
	// vfs: remove base: 1 children: layer has children
}
