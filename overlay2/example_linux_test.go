package overlay2_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/overlay2"
)

// An image layer applied from a tar, a container layer on it, a change
// in the container, and the container's changes as a layer tar. overlay2
// needs root (or a user namespace); elsewhere New says why. No output is
// checked, since that depends on the machine the example runs on.
func Example() {
	root, _ := os.MkdirTemp("", "overlay2-example-")
	defer os.RemoveAll(root)

	d, err := overlay2.New(root, nil, graphdriver.IDMap{})
	if errors.Is(err, graphdriver.ErrNotSupported) {
		fmt.Println("overlay2 cannot run here:", err)
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Cleanup()

	// The image layer: any OCI layer tar, here one written by Diff of a
	// scratch layer.
	_ = d.Create("image", "", nil)
	layerTar := tarOf(d, "scratch", map[string]string{"etc/motd": "hello\n"})
	if _, err := d.ApplyDiff("image", "", bytes.NewReader(layerTar)); err != nil {
		fmt.Println(err)
		return
	}

	_ = d.CreateReadWrite("ctr", "image", nil)
	dir, _ := d.Get("ctr", "")
	_ = os.WriteFile(filepath.Join(dir, "etc", "motd"), []byte("changed\n"), 0o644)
	_ = d.Put("ctr")

	changes, _ := d.Changes("ctr", "image")
	fmt.Println(changes)
	meta, _ := d.GetMetadata("ctr")
	fmt.Println("upper dir:", meta["UpperDir"])
}

// tarOf makes a read-write layer holding files and returns its Diff.
func tarOf(d *overlay2.Driver, id string, files map[string]string) []byte {
	_ = d.CreateReadWrite(id, "", nil)
	dir, _ := d.Get(id, "")
	for name, content := range files {
		_ = os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		_ = os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	_ = d.Put(id)
	rc, _ := d.Diff(id, "")
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return b
}
