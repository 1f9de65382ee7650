package overlay2

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver/internal/testsupport/benchdata"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// BenchmarkDiff10Files diffs a container layer that changed 10 files over
// a 20,000-file lower (200 dirs of 100 small files), by the native path
// (the upper dir only) and by the naive one (both merged views).
func BenchmarkDiff10Files(b *testing.B) {
	d := openDriver(b, b.TempDir())
	require.NoError(b, d.Create("base", "", nil))
	dir, err := d.Get("base", "")
	require.NoError(b, err)
	for i := range 200 {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i))
		require.NoError(b, os.Mkdir(sub, 0o755))
		for j := range 100 {
			require.NoError(b, os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%03d", j)), []byte("lower file"), 0o644))
		}
	}
	require.NoError(b, d.Put("base"))
	require.NoError(b, d.CreateReadWrite("c", "base", nil))
	files := map[string]string{}
	for i := range 10 {
		files[fmt.Sprintf("d%03d/f%03d", i*20, i*7)] = "changed"
	}
	writeView(b, d, "c", files)

	views := d.diff
	views.Native = nil // walk both views
	for _, v := range []struct {
		name string
		diff func(id, parent string) (io.ReadCloser, error)
	}{{"native", d.Diff}, {"naive", views.Diff}} {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				rc, err := v.diff("c", "")
				require.NoError(b, err)
				_, err = io.Copy(io.Discard, rc)
				require.NoError(b, err)
				require.NoError(b, rc.Close())
			}
		})
	}
}

// BenchmarkApplyDiffRootfs applies the benchmark rootfs tar (20,000
// files, 400 MB; see internal/benchdata) to a fresh layer: ApplyDiff
// straight into its diff dir. Creating and removing the layer, and
// syncing, happen with the timer stopped.
func BenchmarkApplyDiffRootfs(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: builds a 400 MB fixture")
	}
	tarPath := benchdata.Fixture(b, "rootfs.tar", benchdata.WriteRootfsTar)
	d := openDriver(b, b.TempDir())
	b.SetBytes(benchdata.RootfsContentBytes())
	i := 0
	for b.Loop() {
		b.StopTimer()
		id := fmt.Sprintf("l%d", i)
		i++
		require.NoError(b, d.Create(id, "", nil))
		f, err := os.Open(tarPath)
		require.NoError(b, err)
		unix.Sync()
		b.StartTimer()
		_, err = d.ApplyDiff(id, "", f)
		b.StopTimer()
		require.NoError(b, err)
		require.NoError(b, f.Close())
		require.NoError(b, d.Remove(id))
		b.StartTimer()
	}
}
