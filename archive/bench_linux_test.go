package archive_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerfs/graphdriver/internal/testsupport/benchdata"
	"golang.org/x/sys/unix"
)

// The fixtures come from internal/benchdata, built once and cached; the
// page cache stays warm, so the figures measure unpacking, not the disk.

// BenchmarkApplyRootfs unpacks a tar shaped like a distro's root
// filesystem with Apply and with GNU tar, each into a fresh directory.
// The destination is removed and everything synced with the timer
// stopped, so the writeback of one iteration does not land in the next.
// Bytes per second count regular file content.
func BenchmarkApplyRootfs(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: builds a 400 MB fixture")
	}
	tarPath := benchdata.Fixture(b, "rootfs.tar", benchdata.WriteRootfsTar)
	size := benchdata.RootfsContentBytes()
	unix.Sync()
	b.Run("Apply", func(b *testing.B) {
		b.ReportAllocs()
		benchUnpack(b, size, func(dst string) error { return benchdata.ApplyFile(tarPath, dst, size) })
	})
	b.Run("tar-x", func(b *testing.B) {
		gnuTar := lookGNUTar(b)
		benchUnpack(b, size, func(dst string) error { return gnuTarExtract(gnuTar, tarPath, dst) })
	})
	b.Run("paired", func(b *testing.B) {
		gnuTar := lookGNUTar(b)
		benchPaired(b, func(dst string) error { return benchdata.ApplyFile(tarPath, dst, size) },
			func(dst string) error { return gnuTarExtract(gnuTar, tarPath, dst) })
	})
}

func gnuTarExtract(gnuTar, tarPath, dst string) error {
	out, err := exec.Command(gnuTar, tarExtractArgs(tarPath, dst)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("tar -x: %w: %s", err, out)
	}
	return nil
}

// benchPaired runs ours and theirs in turn (benchdata.Paired), each into
// a fresh, empty dir on a synced disk, timing only the unpack.
func benchPaired(b *testing.B, ours, theirs func(dst string) error) {
	dst := filepath.Join(b.TempDir(), "dst")
	timeOne := func(unpack func(string) error) func() time.Duration {
		return func() time.Duration {
			if err := os.Mkdir(dst, 0o755); err != nil {
				b.Fatal(err)
			}
			unix.Sync()
			var err error
			d := benchdata.Timed(func() { err = unpack(dst) })
			if err != nil {
				b.Fatal(err)
			}
			if err := os.RemoveAll(dst); err != nil {
				b.Fatal(err)
			}
			return d
		}
	}
	benchdata.Paired(b, benchdata.Pair{Ours: "ours", Theirs: "theirs", Unit: time.Millisecond}, timeOne(ours), timeOne(theirs))
}

// BenchmarkApplyMemory1GiB reports the peak Go heap (and the peak RSS,
// where the kernel lets it be reset) while Apply unpacks a 1 GiB layer.
// The package promises memory that does not grow with the layer's size.
func BenchmarkApplyMemory1GiB(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: builds a 1 GiB fixture")
	}
	tarPath := benchdata.Fixture(b, "layer-1g.tar", benchdata.WriteBigTar)
	unix.Sync()
	var heap, rss uint64
	benchUnpack(b, benchdata.BigTarBytes, func(dst string) error {
		h, r, err := benchdata.MeasurePeak(b, func() error { return benchdata.ApplyFile(tarPath, dst, benchdata.BigTarBytes) })
		heap, rss = max(heap, h), max(rss, r)
		return err
	})
	b.ReportMetric(float64(heap)/1e6, "peak-heap-MB")
	if rss > 0 {
		b.ReportMetric(float64(rss)/1e6, "peak-rss-MB")
	}
}

// benchUnpack times unpack into a fresh, empty dst per iteration; unpack
// may stop the timer itself.
func benchUnpack(b *testing.B, size int64, unpack func(dst string) error) {
	b.SetBytes(size)
	dst := filepath.Join(b.TempDir(), "dst")
	if err := os.Mkdir(dst, 0o755); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := unpack(dst); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := os.RemoveAll(dst); err != nil {
			b.Fatal(err)
		}
		unix.Sync()
		if err := os.Mkdir(dst, 0o755); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// tarExtractArgs make GNU tar do what Apply does: owners (its default as
// root, said out loud), modes with setuid bits (-p), every xattr, times.
func tarExtractArgs(tarPath, dst string) []string {
	args := []string{"-x", "-p", "--xattrs", "--xattrs-include=*", "-f", tarPath, "-C", dst}
	if os.Geteuid() == 0 {
		args = append(args, "--same-owner")
	}
	return args
}

func lookGNUTar(b *testing.B) string {
	p, err := exec.LookPath("tar")
	if err != nil {
		b.Skip("GNU tar is not installed (package tar)")
	}
	if out, _ := exec.Command(p, "--version").Output(); !strings.Contains(string(out), "GNU tar") {
		b.Skipf("%s is not GNU tar", p)
	}
	return p
}
