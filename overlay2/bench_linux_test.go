package overlay2

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkGetPut measures Get+Put of a read-write layer with n lowers
// (the first Get mounts, the Put unmounts), beside the bare syscalls for
// the same mount: fsopen, fsconfig per option, fsmount, move_mount,
// umount2. The ratio is the driver's overhead.
func BenchmarkGetPut(b *testing.B) {
	for _, n := range []int{1, 16, 128, 500} {
		d := openDriver(b, filepath.Join(b.TempDir(), "overlay2"), "overlay2.mount_api=new")
		top := buildChain(b, d, n+1)
		b.Run(fmt.Sprintf("lowers=%d/driver", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := d.Get(top, ""); err != nil {
					b.Fatal(err)
				}
				if err := d.Put(top); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("lowers=%d/bare", n), func(b *testing.B) {
			spec := d.spec(d.table.Ancestors(top), top, "")
			target := d.mergedDir(top)
			for b.Loop() {
				bareMount(b, spec.fsconfigOptions(), target)
				if err := unix.Unmount(target, unix.MNT_DETACH); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
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
// layer (mkdirs, small files, a rename and a symlink; no mount).
func BenchmarkCreateReadWrite(b *testing.B) {
	d := openDriver(b, filepath.Join(b.TempDir(), "overlay2"))
	if err := d.Create("base", "", nil); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if err := d.CreateReadWrite(fmt.Sprintf("rw%d", i), "base", nil); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.StopTimer()
	_ = os.RemoveAll(d.home) // nothing is mounted: no Get was made
}
