package cow

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver/internal/testsupport/loopfs"
	"golang.org/x/sys/unix"
)

// BenchmarkCopyTree compares CopyTree with cp -a on the same trees, on the
// temp dir's filesystem and, as root, on a loopback xfs with reflink=1.
//
// The page cache is warm: the source was just written (and synced) and
// nothing is dropped, so the figures measure the copy, not the disk. The
// destination is removed and everything synced with the timer stopped
// between iterations, so writeback of one iteration does not land in the
// next. Bytes per second count the regular files' sizes, holes included.
func BenchmarkCopyTree(b *testing.B) {
	places := []struct {
		name string
		dir  func(b *testing.B) string
	}{
		{fsName(os.TempDir()), func(b *testing.B) string { return b.TempDir() }},
		{"xfs", func(b *testing.B) string { return loopfs.New(b, "xfs", 2<<30, []string{"-m", "reflink=1"}, "") }},
	}
	trees := []struct {
		name  string
		build func(b *testing.B, dir string) int64
	}{
		{"small-files", buildSmallFiles},
		{"large-files", buildLargeFiles},
	}
	for _, place := range places {
		b.Run(place.name, func(b *testing.B) {
			for _, tree := range trees {
				b.Run(tree.name, func(b *testing.B) {
					dir := place.dir(b)
					src := filepath.Join(dir, "src")
					size := tree.build(b, src)
					unix.Sync()
					b.Run("cow", func(b *testing.B) {
						benchCopy(b, size, filepath.Join(dir, "dst"), func(dst string) error {
							return CopyTree(dst, src, nil)
						})
					})
					b.Run("cp-a", func(b *testing.B) {
						cp, err := exec.LookPath("cp")
						if err != nil {
							b.Skipf("no cp: %v", err)
						}
						benchCopy(b, size, filepath.Join(dir, "dst"), func(dst string) error {
							out, err := exec.Command(cp, "-a", src, dst).CombinedOutput()
							if err != nil {
								return fmt.Errorf("cp -a: %w: %s", err, out)
							}
							return nil
						})
					})
				})
			}
		})
	}
}

func benchCopy(b *testing.B, size int64, dst string, copyTree func(dst string) error) {
	b.SetBytes(size)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := copyTree(dst); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := os.RemoveAll(dst); err != nil {
			b.Fatal(err)
		}
		unix.Sync()
		b.StartTimer()
	}
}

// buildSmallFiles writes 10,000 files of 1 to 8 KiB in 100 directories,
// like a layer of sources or a package manager's tree.
func buildSmallFiles(b *testing.B, root string) int64 {
	b.Helper()
	var total int64
	data := randomBytes(8<<10*16, 11)
	for d := range 100 {
		dir := filepath.Join(root, fmt.Sprintf("dir%03d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := range 100 {
			n := 1<<10 + (d*100+f)*7919%(7<<10+1)
			off := (d*100 + f) % 16 * 8 << 10
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", f)), data[off:off+n], 0o644); err != nil {
				b.Fatal(err)
			}
			total += int64(n)
		}
	}
	return total
}

// buildLargeFiles writes four 64 MiB files: two dense, one with a hole in
// the middle, one with data only in four 1 MiB extents.
func buildLargeFiles(b *testing.B, root string) int64 {
	b.Helper()
	const size = 64 << 20
	if err := os.MkdirAll(root, 0o755); err != nil {
		b.Fatal(err)
	}
	for i, name := range []string{"dense1", "dense2"} {
		if err := os.WriteFile(filepath.Join(root, name), randomBytes(size, uint64(20+i)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	err := writeSparse(filepath.Join(root, "hole-in-middle"), size, [2]int64{0, 16 << 20}, [2]int64{48 << 20, 16 << 20})
	if err != nil {
		b.Fatal(err)
	}
	err = writeSparse(filepath.Join(root, "mostly-holes"), size,
		[2]int64{0, 1 << 20}, [2]int64{20 << 20, 1 << 20}, [2]int64{40 << 20, 1 << 20}, [2]int64{63 << 20, 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	return 4 * size
}

func fsName(dir string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return "tmpdir"
	}
	switch uint32(st.Type) {
	case unix.EXT4_SUPER_MAGIC:
		return "ext4"
	case unix.XFS_SUPER_MAGIC:
		return "xfs-tmpdir"
	case unix.BTRFS_SUPER_MAGIC:
		return "btrfs"
	case unix.TMPFS_MAGIC:
		return "tmpfs"
	}
	return "tmpdir"
}
