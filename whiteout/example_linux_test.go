package whiteout_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver/whiteout"
)

// A diff dir in the AUFS form, as the naive backend keeps it.
func ExampleMakeWhiteout() {
	diff, err := os.MkdirTemp("", "diff")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(diff)
	etc := filepath.Join(diff, "etc")
	if err := os.Mkdir(etc, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := whiteout.MakeWhiteout(etc, "passwd", whiteout.AUFS); err != nil {
		log.Fatal(err)
	}
	if err := whiteout.MakeOpaque(etc, whiteout.AUFS); err != nil {
		log.Fatal(err)
	}
	entries, err := os.ReadDir(etc)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			log.Fatal(err)
		}
		target, ok := whiteout.IsWhiteoutFile(filepath.Join(etc, e.Name()), fi, whiteout.AUFS)
		fmt.Println(e.Name(), fi.Mode(), target, ok)
	}
	opaque, err := whiteout.IsOpaqueDir(etc, whiteout.AUFS)
	fmt.Println("opaque:", opaque, err)
	// Output:
	// .wh..wh..opq -rw-r--r--  false
	// .wh.passwd -rw-r--r-- passwd true
	// opaque: true <nil>
}
