package cow_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver/cow"
)

func ExampleCopyTree() {
	dir, err := os.MkdirTemp("", "cow-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "layer1")
	if err := os.MkdirAll(filepath.Join(src, "etc"), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "etc", "hostname"), []byte("box\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Symlink("hostname", filepath.Join(src, "etc", "name")); err != nil {
		log.Fatal(err)
	}

	var stats cow.Stats
	if err := cow.CopyTree(filepath.Join(dir, "layer2"), src, &cow.Options{Stats: &stats}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d dirs, %d files, %d symlinks\n", stats.Dirs, stats.Files, stats.Symlinks)
	// Output: 2 dirs, 1 files, 1 symlinks
}

func ExampleCopyUp() {
	dir, err := os.MkdirTemp("", "cow-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	lower, upper := filepath.Join(dir, "lower"), filepath.Join(dir, "upper")
	if err := os.MkdirAll(filepath.Join(lower, "etc"), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lower, "etc", "hosts"), []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Mkdir(upper, 0o755); err != nil {
		log.Fatal(err)
	}

	// Before the first write to etc/hosts, copy it up; etc is made in
	// upper with the lower's mode, owner, xattrs and times.
	if err := cow.CopyUp(upper, lower, "etc/hosts", nil); err != nil {
		log.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(upper, "etc", "hosts"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(b))
	// Output: 127.0.0.1 localhost
}

func ExampleCopier() {
	dir, err := os.MkdirTemp("", "cow-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "base")
	if err := os.Mkdir(src, 0o755); err != nil {
		log.Fatal(err)
	}

	// A storage backend keeps one Copier: after the first copy it knows
	// which content copy methods the filesystems support.
	c := cow.NewCopier(nil)
	for _, id := range []string{"a", "b"} {
		if err := c.CopyTree(filepath.Join(dir, id), src); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("copied")
	// Output: copied
}
