package crosstest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/naive"
	"github.com/layerfs/graphdriver/overlay2"
)

// BenchmarkDiff10Files writes the Diff of a container layer that changed
// 10 files over a 20,000-file parent (200 dirs of 100 small files) on
// naive (its stored diff, written out as it is) and on overlay2 (its
// native Diff, a walk of the upper dir). overlay2 needs root.
func BenchmarkDiff10Files(b *testing.B) {
	backends := []struct {
		name string
		open func(home string) (graphdriver.Driver, error)
	}{
		{"naive", func(home string) (graphdriver.Driver, error) { return naive.New(home, nil, graphdriver.IDMap{}) }},
		{"overlay2", func(home string) (graphdriver.Driver, error) { return overlay2.New(home, nil, graphdriver.IDMap{}) }},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			d, err := be.open(b.TempDir())
			if errors.Is(err, graphdriver.ErrNotSupported) {
				b.Skip(err)
			}
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = d.Cleanup() })
			build10Files(b, d)
			for b.Loop() {
				rc, err := d.Diff("c", "")
				if err != nil {
					b.Fatal(err)
				}
				_, err = io.Copy(io.Discard, rc)
				if err = errors.Join(err, rc.Close()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// build10Files makes "base" (20,000 files) and "c" on it, which rewrote
// 10 of them.
func build10Files(b *testing.B, d graphdriver.Driver) {
	b.Helper()
	files := map[string]string{}
	for i := range 200 {
		for j := range 100 {
			files[fmt.Sprintf("d%03d/f%03d", i, j)] = "lower file"
		}
	}
	if err := d.CreateReadWrite("base", "", nil); err != nil {
		b.Fatal(err)
	}
	writeFiles(b, d, "base", files)
	if err := d.CreateReadWrite("c", "base", nil); err != nil {
		b.Fatal(err)
	}
	changed := map[string]string{}
	for i := range 10 {
		changed[fmt.Sprintf("d%03d/f%03d", i*20, i*7)] = "changed"
	}
	writeFiles(b, d, "c", changed)
}

func writeFiles(b *testing.B, d graphdriver.Driver, id string, files map[string]string) {
	b.Helper()
	dir, err := d.Get(id, "")
	if err != nil {
		b.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		err = errors.Join(err, os.MkdirAll(filepath.Dir(p), 0o755), os.WriteFile(p, []byte(content), 0o644))
	}
	if err = errors.Join(err, d.Put(id)); err != nil {
		b.Fatal(err)
	}
}
