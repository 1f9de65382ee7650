package aufs_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/aufs"
)

// Without kernel aufs the backend needs a mount program; with
// fuse-overlayfs it serves Docker's aufs layout: a container layer on a
// base, a deletion stored as an AUFS whiteout in the layer's diff dir.
// It needs root and fuse-overlayfs, so go test compiles it but does not
// run it; as root it prints:
//
//	ctr: [D /motd]
//	diff/ctr holds [.wh.motd]
func Example() {
	root, _ := os.MkdirTemp("", "aufs-example-")
	defer os.RemoveAll(root)

	d, err := graphdriver.New("aufs", root, []string{"aufs.mount_program=fuse-overlayfs"}, graphdriver.IDMap{})
	if errors.Is(err, graphdriver.ErrNotSupported) {
		fmt.Println("aufs is not supported here:", err) // not root, or no fuse-overlayfs
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Cleanup()

	_ = d.Create("base", "", nil)
	dir, _ := d.Get("base", "")
	_ = os.WriteFile(filepath.Join(dir, "motd"), []byte("hello\n"), 0o644)
	_ = d.Put("base")

	_ = d.CreateReadWrite("ctr", "base", nil)
	dir, _ = d.Get("ctr", "")
	_ = os.Remove(filepath.Join(dir, "motd"))
	_ = d.Put("ctr")

	changes, _ := d.Changes("ctr", "")
	fmt.Println("ctr:", changes)
	md, _ := d.(*aufs.Driver).GetMetadata("ctr")
	entries, _ := os.ReadDir(md["DiffDir"])
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	fmt.Println("diff/ctr holds", names)
}

// TestExampleOutput runs Example where it can run (root, fuse-overlayfs)
// and checks what it prints.
func TestExampleOutput(t *testing.T) {
	if err := aufs.Supported(t.TempDir(), "aufs.mount_program=fuse-overlayfs"); err != nil {
		t.Skipf("the example needs aufs with fuse-overlayfs: %v", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	Example()
	os.Stdout = stdout
	w.Close()
	out, _ := io.ReadAll(r)
	if want := "ctr: [D /motd]\ndiff/ctr holds [.wh.motd]\n"; string(out) != want {
		t.Fatalf("Example printed %q, want %q", out, want)
	}
}
