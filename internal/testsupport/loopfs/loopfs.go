package loopfs

import (
	"testing"

	"github.com/layerfs/graphdriver/drivertest"
)

// New makes a sparse image file of size bytes in t.TempDir(), formats it
// with mkfs.<fstype> ("xfs", "btrfs", "ext4"; quiet and forced, then
// mkfsArgs, such as "-m", "reflink=1" or "-n", "ftype=0"), mounts it on a
// loop device with mountOpts as the filesystem's option string (such as
// "prjquota"; "" for none) and returns the mount point. It unmounts the
// filesystem in t.Cleanup, which frees the loop device too.
//
// New calls t.Skip with the reason when not root, when mkfs.<fstype> is
// missing, when there are no loop devices, or when the kernel refuses the
// mount (filesystem not built in, option unknown). A failing mkfs is a
// t.Fatal: it means the arguments are wrong. xfs needs images of at least
// 300 MiB, btrfs of about 120 MiB; the image is sparse, so size costs only
// what the filesystem writes.
func New(t testing.TB, fstype string, size int64, mkfsArgs []string, mountOpts string) string {
	t.Helper()
	return newFS(t, fstype, size, mkfsArgs, mountOpts)
}

// TempDirOnReflinkXFS makes a 1 GiB loopback xfs with reflink (see New)
// and points TMPDIR at it for the rest of t, so that every t.TempDir of
// t's subtests, and every layer home a suite makes there, is on it. It
// skips in -short mode.
func TempDirOnReflinkXFS(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("short mode: skipping the loopback xfs run")
	}
	mnt := New(t, "xfs", 1<<30, []string{"-m", "reflink=1"}, "")
	t.Setenv("TMPDIR", mnt)
	return mnt
}

// RunSuiteOnReflinkXFS runs the conformance suite again with every home
// on a loopback xfs with reflink (TempDirOnReflinkXFS), where a backend
// that copies trees clones file extents instead of copying them.
func RunSuiteOnReflinkXFS(t *testing.T, f drivertest.Factory, opts ...drivertest.Option) {
	TempDirOnReflinkXFS(t)
	drivertest.Run(t, f, opts...)
}
