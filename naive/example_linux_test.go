package naive_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/naive"
)

// A base layer, a container layer on top, and what the container's last
// Put folds back into its diff: a copy-up and a whiteout. A read-only
// layer's view must come back unchanged.
func ExampleNew() {
	root, _ := os.MkdirTemp("", "naive-example-")
	defer os.RemoveAll(root)

	d, err := naive.New(filepath.Join(root, "naive"), nil, graphdriver.IDMap{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Cleanup()

	_ = d.CreateReadWrite("base", "", nil)
	dir, _ := d.Get("base", "")
	_ = os.WriteFile(filepath.Join(dir, "motd"), []byte("base"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "gone"), []byte("x"), 0o644)
	_ = d.Put("base") // folds the two new files into base's diff

	_ = d.CreateReadWrite("ctr", "base", nil)
	dir, _ = d.Get("ctr", "")
	_ = os.WriteFile(filepath.Join(dir, "motd"), []byte("container"), 0o644)
	_ = os.Remove(filepath.Join(dir, "gone"))
	_ = d.Put("ctr") // folds a copy-up of motd and a whiteout of gone

	changes, _ := d.Changes("ctr", "")
	fmt.Println(changes)
	entries, _ := os.ReadDir(filepath.Join(root, "naive", "diff", "ctr"))
	for _, e := range entries {
		fmt.Println("diff/ctr/" + e.Name())
	}

	_ = d.Create("image", "ctr", nil)
	dir, _ = d.Get("image", "")
	_ = os.WriteFile(filepath.Join(dir, "motd"), []byte("sneaky"), 0o644)
	fmt.Println(d.Put("image"))
	// Output:
	// [D /gone C /motd]
	// diff/ctr/.wh.gone
	// diff/ctr/motd
	// naive: put image: changes in the view of a read-only layer not kept: C /motd
}
