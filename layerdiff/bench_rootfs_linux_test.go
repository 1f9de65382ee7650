package layerdiff

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/layerfs/graphdriver/internal/testsupport/benchdata"
	"golang.org/x/sys/unix"
)

// The trees are unpacked once, with archive.Apply, from the tars of
// internal/benchdata (the same root filesystem the Apply benchmarks
// unpack), all cached; the page cache stays warm, so the figures measure
// the walk and the tar writing, not the disk.

// BenchmarkDiffRootfs writes the tar of a tree shaped like a distro's root
// filesystem against an empty parent, with Diff and with GNU tar, both
// into a pipe that is drained and discarded (GNU tar given /dev/null
// skips reading file contents). Bytes per second count regular file
// content.
func BenchmarkDiffRootfs(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: builds a 400 MB fixture")
	}
	tree := benchTreeFixture(b, "rootfs", benchdata.WriteRootfsTar, benchdata.RootfsContentBytes())
	size, err := DiffSize(tree, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Diff", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			benchDrain(b, tree, "")
		}
	})
	b.Run("tar-c", func(b *testing.B) {
		if _, err := exec.LookPath("tar"); err != nil {
			b.Skip("GNU tar is not installed (package tar)")
		}
		b.SetBytes(size)
		for b.Loop() {
			if err := tarCreate(tree); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// tarCreate makes GNU tar do what Diff does: a PAX tar of the tree with
// every xattr (Diff lists the xattrs of every entry).
func tarCreate(dir string) error {
	cmd := exec.Command("tar", "--format=pax", "--xattrs", "--xattrs-include=*", "-cf", "-", "-C", dir, ".")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	_, copyErr := io.Copy(io.Discard, out)
	return errors.Join(copyErr, cmd.Wait())
}

// BenchmarkDiffMemory1GiB reports the peak Go heap (and the peak RSS,
// where the kernel lets it be reset) while Diff writes the tar of a 1 GiB
// tree. The package promises memory that grows with the number of
// changes, not with their size.
func BenchmarkDiffMemory1GiB(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: builds a 1 GiB fixture")
	}
	tree := benchTreeFixture(b, "layer-1g", benchdata.WriteBigTar, benchdata.BigTarBytes)
	var heap, rss uint64
	b.SetBytes(benchdata.BigTarBytes)
	for b.Loop() {
		h, r, err := benchdata.MeasurePeak(b, func() error { benchDrain(b, tree, ""); return nil })
		if err != nil {
			b.Fatal(err)
		}
		heap, rss = max(heap, h), max(rss, r)
		b.StartTimer()
	}
	b.ReportMetric(float64(heap)/1e6, "peak-heap-MB")
	if rss > 0 {
		b.ReportMetric(float64(rss)/1e6, "peak-rss-MB")
	}
}

// benchTreeFixture returns the cached tree name+".tree", unpacked from
// the cached tar name+".tar" that build writes, with size bytes of
// regular file content.
func benchTreeFixture(b *testing.B, name string, build func(path string) error, size int64) string {
	tarPath := benchdata.Fixture(b, name+".tar", build)
	tree := benchdata.Fixture(b, name+".tree", func(dir string) error {
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		return benchdata.ApplyFile(tarPath, dir, size)
	})
	unix.Sync()
	return tree
}
