package vfs_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	_ "github.com/layerfs/graphdriver/vfs"
)

// An image layer applied from a tar, and a container layer on top whose
// full copy of the tree is its own: its write is a change of its own, and
// the image layer cannot go while the container layer stands on it.
func Example() {
	root, _ := os.MkdirTemp("", "vfs-example-")
	defer os.RemoveAll(root)
	d, err := graphdriver.New("vfs", root, nil, graphdriver.IDMap{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Cleanup()

	var layer bytes.Buffer // as a registry serves it, once decompressed
	tw := tar.NewWriter(&layer)
	_ = tw.WriteHeader(&tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755})
	_ = tw.WriteHeader(&tar.Header{Name: "etc/motd", Typeflag: tar.TypeReg, Mode: 0o644, Size: 5})
	_, _ = tw.Write([]byte("base\n"))
	_ = tw.Close()
	_ = d.Create("image", "", nil)
	size, _ := d.ApplyDiff("image", "", &layer)

	_ = d.CreateReadWrite("ctr", "image", nil)
	dir, _ := d.Get("ctr", "")
	_ = os.WriteFile(filepath.Join(dir, "etc", "motd"), []byte("container\n"), 0o644)
	_ = d.Put("ctr")

	changes, _ := d.Changes("ctr", "")
	fmt.Println(size, changes)
	fmt.Println(d.Remove("image"))
	// Output:
	// 5 [C /etc C /etc/motd]
	// vfs: remove image: 1 children: layer has children
}
