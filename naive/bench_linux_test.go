package naive

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/testsupport/benchdata"
	"github.com/layerfs/graphdriver/internal/testsupport/loopfs"
	"golang.org/x/sys/unix"
)

// The backend benchmarks run on a 3-layer chain: "l1" made by ApplyDiff of
// the benchmark root filesystem tar (internal/benchdata: 20,000 files,
// 1,500 dirs, 400 MB), "l2" rewriting 500 of its files, deleting 100 and
// adding 200, "l3" rewriting 100, deleting 20 and adding 50, both written
// through Get and Put. The competitor is cp -a of the flattened tree (a
// copy of l3's view) on the same filesystem. The page cache is warm and
// everything is synced with the timer stopped between iterations.

// benchPlaces are the filesystems the benchmarks run on: the temp dir's,
// and, as root, a loopback xfs with reflink.
var benchPlaces = []struct {
	name string
	dir  func(b *testing.B) string
}{
	{"tmpdir", func(b *testing.B) string { return b.TempDir() }},
	{"xfs-reflink", func(b *testing.B) string {
		return loopfs.New(b, "xfs", 4<<30, []string{"-m", "reflink=1"}, "")
	}},
}

// BenchmarkLayerChain builds the chain once per filesystem and run, and
// times on it, side by side:
//
//   - Get: the first Get of l3, composing its view;
//   - cp-a: cp -a of the same tree (the flattened l3), Get's competitor
//     (GNU cp 9 reflinks where the filesystem can, as Get does);
//   - cp-a-reflink-never: cp -a --reflink=never, a copy of the data
//     everywhere;
//   - Diff-l3: Diff(l3), its stored diff (170 changes over a
//     20,000-file parent) written out;
//   - Put10Files: the last Put of l3 after 10 files of its view were
//     rewritten: the fold (a link farm of l2's chain, a walk of both
//     trees, the new diff written and swapped in). The Get and the
//     writes are outside the timer.
func BenchmarkLayerChain(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: builds a 400 MB fixture")
	}
	for _, place := range benchPlaces {
		b.Run(place.name, func(b *testing.B) {
			dir := place.dir(b)
			d, flat := benchChain(b, dir)
			b.Run("Get", func(b *testing.B) { benchGet(b, d) })
			b.Run("cp-a", func(b *testing.B) { benchCopy(b, flat, filepath.Join(dir, "cp-dst")) })
			b.Run("cp-a-reflink-never", func(b *testing.B) {
				benchCopy(b, flat, filepath.Join(dir, "cp-dst"), "--reflink=never")
			})
			b.Run("Diff-l3", func(b *testing.B) { benchDiff(b, d, "l3") })
			b.Run("Put10Files", func(b *testing.B) { benchPut(b, d, chainFiles(b, d, "l3")) })
		})
	}
}

func benchGet(b *testing.B, d *Driver) {
	for b.Loop() {
		if _, err := d.Get("l3", ""); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		// The view is unchanged, so the Put folds nothing new back.
		if err := d.Put("l3"); err != nil {
			b.Fatal(err)
		}
		unix.Sync()
		b.StartTimer()
	}
}

func benchCopy(b *testing.B, src, dst string, flags ...string) {
	args := append(append([]string{"-a"}, flags...), src, dst)
	for b.Loop() {
		if out, err := exec.Command("cp", args...).CombinedOutput(); err != nil {
			b.Fatalf("cp -a: %v: %s", err, out)
		}
		b.StopTimer()
		if err := os.RemoveAll(dst); err != nil {
			b.Fatal(err)
		}
		unix.Sync()
		b.StartTimer()
	}
}

func benchDiff(b *testing.B, d *Driver, id string) {
	for b.Loop() {
		rc, err := d.Diff(id, "")
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
}

func benchPut(b *testing.B, d *Driver, files []string) {
	round := 0
	for b.Loop() {
		b.StopTimer()
		dir, err := d.Get("l3", "")
		if err != nil {
			b.Fatal(err)
		}
		round++
		for i := range 10 {
			p := filepath.Join(dir, files[i*len(files)/10])
			if err := os.WriteFile(p, fmt.Appendf(nil, "round %d\n", round), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		unix.Sync()
		b.StartTimer()
		if err := d.Put("l3"); err != nil {
			b.Fatal(err)
		}
	}
}

// benchChain builds the chain l1, l2, l3 in a store under dir and returns
// the driver and the flattened tree of l3 (dir/flat).
func benchChain(b *testing.B, dir string) (*Driver, string) {
	b.Helper()
	tarPath := benchdata.Fixture(b, "rootfs.tar", benchdata.WriteRootfsTar)
	d, err := New(filepath.Join(dir, "store"), nil, graphdriver.IDMap{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = d.Cleanup() })
	f, err := os.Open(tarPath)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := d.CreateReadWrite("l1", "", nil); err != nil {
		b.Fatal(err)
	}
	if _, err := d.ApplyDiff("l1", "", f); err != nil {
		b.Fatal(err)
	}
	files := chainFiles(b, d, "l1")
	chainLayer(b, d, "l2", "l1", files, 500, 100, 200)
	chainLayer(b, d, "l3", "l2", files[1:], 100, 20, 50)
	view, err := d.Get("l3", "")
	if err != nil {
		b.Fatal(err)
	}
	flat := filepath.Join(dir, "flat")
	if out, err := exec.Command("cp", "-a", view, flat).CombinedOutput(); err != nil {
		b.Fatalf("cp -a: %v: %s", err, out)
	}
	if err := d.Put("l3"); err != nil {
		b.Fatal(err)
	}
	unix.Sync()
	return d, flat
}

// chainLayer makes read-write layer id on parent and, through its view,
// rewrites, deletes and adds files (spread over files, sorted).
func chainLayer(b *testing.B, d *Driver, id, parent string, files []string, rewrite, remove, add int) {
	b.Helper()
	if err := d.CreateReadWrite(id, parent, nil); err != nil {
		b.Fatal(err)
	}
	dir, err := d.Get(id, "")
	if err != nil {
		b.Fatal(err)
	}
	step := len(files) / (rewrite + remove)
	for i := range rewrite + remove {
		p := filepath.Join(dir, files[i*step])
		if i < rewrite {
			err = os.WriteFile(p, fmt.Appendf(nil, "%s rewrote %s\n", id, files[i*step]), 0o644)
		} else {
			err = os.Remove(p)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	for i := range add {
		p := filepath.Join(dir, filepath.Dir(files[i*step+1]), fmt.Sprintf("%s-new-%d", id, i))
		if err := os.WriteFile(p, []byte("new\n"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := d.Put(id); err != nil {
		b.Fatal(err)
	}
}

// chainFiles lists the writable regular files with one link of layer
// id's view, sorted.
func chainFiles(b *testing.B, d *Driver, id string) []string {
	b.Helper()
	dir, err := d.Get(id, "")
	if err != nil {
		b.Fatal(err)
	}
	defer d.Put(id)
	var files []string
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		if st.Nlink == 1 && st.Mode&0o200 != 0 && unix.Access(filepath.Dir(p), unix.W_OK) == nil {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(files)
	return files
}
