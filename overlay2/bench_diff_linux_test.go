package overlay2

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
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

	for _, v := range []struct {
		name string
		diff func(id, parent string) (io.ReadCloser, error)
	}{{"native", d.Diff}, {"naive", d.differ().Diff}} {
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
