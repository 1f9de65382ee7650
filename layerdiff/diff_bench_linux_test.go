package layerdiff

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
)

const (
	benchDirs  = 100
	benchFiles = 20_000
	benchSize  = 100 // bytes per file
)

// benchTree makes benchFiles files of benchSize bytes in benchDirs
// directories.
func benchTree(b *testing.B) string {
	b.Helper()
	root := b.TempDir()
	content := []byte(strings.Repeat("x", benchSize))
	for d := range benchDirs {
		dir := filepath.Join(root, fmt.Sprintf("d%03d", d))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := range benchFiles / benchDirs {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", f)), content, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return root
}

// benchLayer returns a 20,000-file parent and a full copy of it with 10
// files changed.
func benchLayer(b *testing.B) (layer, parent string) {
	b.Helper()
	parent = benchTree(b)
	layer = b.TempDir()
	ops.CpTree(b, parent, layer)
	for i := range 10 {
		p := filepath.Join(layer, fmt.Sprintf("d%03d", i*10), "f007")
		if err := os.WriteFile(p, []byte("changed"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return layer, parent
}

func BenchmarkDiff(b *testing.B) {
	layer, parent := benchLayer(b)
	for b.Loop() {
		benchDrain(b, layer, parent)
	}
}

func BenchmarkChanges(b *testing.B) {
	layer, parent := benchLayer(b)
	for b.Loop() {
		changes, err := Changes(layer, parent)
		if err != nil {
			b.Fatal(err)
		}
		if len(changes) != 20 { // 10 files and their 10 directories
			b.Fatalf("%d changes, want 20", len(changes))
		}
	}
}

// BenchmarkDiffVsTar compares Diff of a 20,000-file tree against an empty
// parent with GNU tar writing the same tree.
func BenchmarkDiffVsTar(b *testing.B) {
	tree := benchTree(b)
	b.Run("Diff", func(b *testing.B) {
		b.SetBytes(benchFiles * benchSize)
		for b.Loop() {
			benchDrain(b, tree, "")
		}
	})
	b.Run("tar", func(b *testing.B) {
		if _, err := exec.LookPath("tar"); err != nil {
			b.Skip("no tar here")
		}
		b.SetBytes(benchFiles * benchSize)
		for b.Loop() {
			cmd := exec.Command("tar", "-cf", "-", "-C", tree, ".")
			cmd.Stdout = io.Discard
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchDrain(b *testing.B, layer, parent string) {
	rc, err := Diff(layer, parent, graphdriver.IDMap{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		b.Fatal(err)
	}
	rc.Close()
}
