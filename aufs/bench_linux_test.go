package aufs

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// buildChain makes n layers, each the child of the one before, with one
// file each, and returns the top's id.
func buildChain(b *testing.B, d *Driver, n int) string {
	b.Helper()
	parent := ""
	for i := range n {
		id := fmt.Sprintf("l%03d", i)
		if err := d.Create(id, parent, nil); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d.diffDir(id), "f"+id), []byte(id), 0o644); err != nil {
			b.Fatal(err)
		}
		parent = id
	}
	return parent
}

// BenchmarkGetPut measures Get+Put of a read-write layer over n lowers
// with fuse-overlayfs: starting the program, its mount, the unmount and
// the walk that normalizes the (here empty) diff dir.
func BenchmarkGetPut(b *testing.B) {
	for _, n := range []int{1, 16, 128, 500} {
		d := openDriver(b, filepath.Join(b.TempDir(), "aufs"))
		top := buildChain(b, d, n+1)
		b.Run(fmt.Sprintf("lowers=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := d.Get(top, ""); err != nil {
					b.Fatal(err)
				}
				if err := d.Put(top); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDiff measures Diff of a layer that changed 10 files over a
// parent of 5,000, by the native walk of the diff dir and by naive over
// both views, as bytes of tar read to the end.
func BenchmarkDiff(b *testing.B) {
	d := openDriver(b, filepath.Join(b.TempDir(), "aufs"))
	if err := d.Create("base", "", nil); err != nil {
		b.Fatal(err)
	}
	for i := range 5000 {
		p := filepath.Join(d.diffDir("base"), fmt.Sprintf("d%02d", i%50), fmt.Sprintf("f%04d", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := d.CreateReadWrite("ctr", "base", nil); err != nil {
		b.Fatal(err)
	}
	changes := map[string]string{}
	for i := range 10 {
		changes[fmt.Sprintf("d%02d/f%04d", i, i)] = "changed"
	}
	writeView(b, d, "ctr", changes)
	views := d.diff
	views.Native = nil // walk both views
	for _, engine := range []string{"native", "naive"} {
		b.Run(engine, func(b *testing.B) {
			for b.Loop() {
				rc, err := d.Diff("ctr", "")
				if engine == "naive" {
					rc, err = views.Diff("ctr", "")
				}
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, rc); err != nil {
					b.Fatal(err)
				}
				if err := rc.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
