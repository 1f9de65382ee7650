package archive_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/whiteout"
)

// Apply a layer tar onto an empty diff dir, storing its whiteout in the
// AUFS form.
func ExampleApply() {
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "etc/motd", Mode: 0o644, Size: 6})
	tw.Write([]byte("hello\n"))
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "etc/.wh.issue", Mode: 0o644})
	tw.Close()

	dir, _ := os.MkdirTemp("", "layer")
	defer os.RemoveAll(dir)
	n, err := archive.Apply(dir, &layer, &archive.ApplyOptions{
		Whiteouts:         whiteout.AUFS,
		IgnoreChownErrors: true, // the tar is root's; keep running unprivileged
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	names, _ := filepath.Glob(filepath.Join(dir, "etc", "*"))
	for _, name := range names {
		fmt.Println(filepath.Base(name))
	}
	fmt.Println(n, "bytes")
	// Output:
	// .wh.issue
	// motd
	// 6 bytes
}
