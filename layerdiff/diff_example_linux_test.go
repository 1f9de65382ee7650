package layerdiff_test

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path/filepath"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/layerdiff"
)

// exampleTrees makes a parent tree and a layer that rewrote hosts,
// removed motd and added etc/.
func exampleTrees() (layer, parent string, cleanup func()) {
	parent, _ = os.MkdirTemp("", "parent")
	layer, _ = os.MkdirTemp("", "layer")
	_ = os.WriteFile(filepath.Join(parent, "hosts"), []byte("old\n"), 0o644)
	_ = os.WriteFile(filepath.Join(parent, "motd"), []byte("hi\n"), 0o644)
	_ = os.WriteFile(filepath.Join(layer, "hosts"), []byte("new!\n"), 0o644)
	_ = os.Mkdir(filepath.Join(layer, "etc"), 0o755)
	return layer, parent, func() { os.RemoveAll(parent); os.RemoveAll(layer) }
}

func ExampleChanges() {
	layer, parent, cleanup := exampleTrees()
	defer cleanup()
	changes, err := layerdiff.Changes(layer, parent)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range changes {
		fmt.Println(c)
	}
	// Output:
	// A /etc
	// C /hosts
	// D /motd
}

func ExampleDiff() {
	layer, parent, cleanup := exampleTrees()
	defer cleanup()
	rc, err := layerdiff.Diff(layer, parent, graphdriver.IDMap{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err != nil {
			if err != io.EOF {
				fmt.Println(err)
			}
			return
		}
		fmt.Println(hdr.Name, hdr.Size)
	}
	// Output:
	// .wh.motd 0
	// etc/ 0
	// hosts 5
}
