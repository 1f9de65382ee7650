package overlay2

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/layerfs/graphdriver/internal/testsupport/benchdata"
	"golang.org/x/sys/unix"
)

// BenchmarkGetPut measures Get+Put of a read-write layer with n lowers
// (the Get mounts, the Put unmounts) and the bare syscalls for the same
// mount (fsopen, fsconfig per option, fsmount, move_mount, umount2) in
// turn, the order swapped every iteration, and reports the median of
// each and the median ratio: the driver's overhead. Pairs taken moments
// apart see the same load on a shared machine.
func BenchmarkGetPut(b *testing.B) {
	for _, n := range []int{1, 16, 128, 500} {
		d := openDriver(b, filepath.Join(b.TempDir(), "overlay2"), "overlay2.mount_api=new")
		top := buildChain(b, d, n+1)
		spec := d.spec(d.s.Table.Ancestors(top), top, "")
		target := d.mergedDir(top)
		driver := func() {
			if _, err := d.Get(top, ""); err != nil {
				b.Fatal(err)
			}
			if err := d.Put(top); err != nil {
				b.Fatal(err)
			}
		}
		bare := func() {
			bareMount(b, spec.fsconfigOptions(), target)
			if err := unix.Unmount(target, unix.MNT_DETACH); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("lowers=%d", n), func(b *testing.B) { benchPaired(b, driver, bare) })
	}
}

// benchPaired runs the driver and the bare work in turn
// (benchdata.Paired) and reports microseconds.
func benchPaired(b *testing.B, driver, bare func()) {
	benchdata.Paired(b, benchdata.Pair{Ours: "driver", Theirs: "bare", Unit: time.Microsecond},
		func() time.Duration { return benchdata.Timed(driver) },
		func() time.Duration { return benchdata.Timed(bare) })
}

// bareMount is the mount syscall sequence with no checks or bookkeeping.
func bareMount(b *testing.B, opts [][2]string, target string) {
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(fd)
	for _, kv := range opts {
		if err := unix.FsconfigSetString(fd, kv[0], kv[1]); err != nil {
			b.Fatal(kv, err)
		}
	}
	if err := unix.FsconfigCreate(fd); err != nil {
		b.Fatal(err)
	}
	mfd, err := unix.Fsmount(fd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCreateReadWrite measures CreateReadWrite of a child of a base
// layer (no mount), paired with the bare file system work of the same
// layout: mkdir of the layer, diff, work and merged dirs, the link, lower
// and rw files, the l/ symlink and the rename into place. The absolute
// median depends mostly on the disk (an ext4 mkdir is about 0.1 ms).
func BenchmarkCreateReadWrite(b *testing.B) {
	d := openDriver(b, filepath.Join(b.TempDir(), "overlay2"))
	if err := d.Create("base", "", nil); err != nil {
		b.Fatal(err)
	}
	bareHome := filepath.Join(b.TempDir(), "bare")
	if err := os.MkdirAll(filepath.Join(bareHome, "l"), 0o700); err != nil {
		b.Fatal(err)
	}
	nd, nb := 0, 0
	driver := func() {
		if err := d.CreateReadWrite(fmt.Sprintf("rw%d", nd), "base", nil); err != nil {
			b.Fatal(err)
		}
		nd++
	}
	bare := func() {
		if err := bareCreate(bareHome, fmt.Sprintf("rw%d", nb)); err != nil {
			b.Fatal(err)
		}
		nb++
	}
	benchPaired(b, driver, bare)
	b.StopTimer()
	_ = os.RemoveAll(d.s.Home) // nothing is mounted: no Get was made
}

// bareCreate writes the overlay2 layout of a child layer with no checks.
func bareCreate(home, id string) error {
	tmp := filepath.Join(home, ".tmp-"+id)
	for _, dir := range []string{tmp, tmp + "/diff", tmp + "/work", tmp + "/merged"} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
	}
	for name, content := range map[string]string{"link": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "lower": "l/ABCDEFGHIJKLMNOPQRSTUVWXYZ", "rw": ""} {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	if err := os.Symlink("../"+id+"/diff", filepath.Join(home, "l", id)); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(home, id))
}
