package loopfs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func newFS(t testing.TB, fstype string, size int64, mkfsArgs []string, mountOpts string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("loopfs: mounting %s on a loop device needs root", fstype)
	}
	mkfs, err := exec.LookPath("mkfs." + fstype)
	if err != nil {
		t.Skipf("loopfs: mkfs.%s not found: %v", fstype, err)
	}
	dir := t.TempDir()
	image := filepath.Join(dir, fstype+".img")
	if err := makeImage(image, size); err != nil {
		t.Fatalf("loopfs: %v", err)
	}
	args := append(append(defaultMkfsArgs(fstype), mkfsArgs...), image)
	if out, err := exec.Command(mkfs, args...).CombinedOutput(); err != nil {
		t.Fatalf("loopfs: %s %s: %v\n%s", mkfs, strings.Join(args, " "), err, out)
	}
	mnt := filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatalf("loopfs: %v", err)
	}
	dev, err := attach(image)
	if err != nil {
		t.Skipf("loopfs: no loop device for %s: %v", fstype, err)
	}
	err = unix.Mount(dev.Name(), mnt, fstype, 0, mountOpts)
	// With autoclear the mount now holds the device; closing ours makes
	// the kernel detach it when the mount goes, or now if the mount failed.
	dev.Close()
	if err != nil {
		t.Skipf("loopfs: kernel refused to mount %s (options %q) from %s: %v", fstype, mountOpts, dev.Name(), err)
	}
	t.Cleanup(func() {
		if err := unmount(mnt); err != nil {
			t.Errorf("loopfs: %v", err)
		}
	})
	return mnt
}

func defaultMkfsArgs(fstype string) []string {
	switch fstype {
	case "ext2", "ext3", "ext4":
		return []string{"-q", "-F"}
	case "xfs", "btrfs":
		return []string{"-q", "-f"}
	}
	return nil
}

func makeImage(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("make image: %w", err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("make image: %w", err)
	}
	return f.Close()
}

// attach binds image to a free loop device with autoclear set and
// returns the open device. Another process may take the free device
// between the query and the configure call (EBUSY): then it tries again.
func attach(image string) (*os.File, error) {
	ctl, err := os.OpenFile("/dev/loop-control", os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer ctl.Close()
	backing, err := os.OpenFile(image, os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer backing.Close() // the loop device keeps its own reference
	for range 20 {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return nil, fmt.Errorf("get free loop device: %w", err)
		}
		dev, err := openLoop(n)
		if err != nil {
			return nil, err
		}
		err = configure(dev, backing, image)
		if err == nil {
			return dev, nil
		}
		dev.Close()
		if !errors.Is(err, unix.EBUSY) {
			return nil, fmt.Errorf("configure %s: %w", dev.Name(), err)
		}
	}
	return nil, errors.New("every free loop device was taken before it could be configured")
}

func configure(dev, backing *os.File, image string) error {
	cfg := unix.LoopConfig{Fd: uint32(backing.Fd())}
	cfg.Info.Flags = unix.LO_FLAGS_AUTOCLEAR
	copy(cfg.Info.File_name[:len(cfg.Info.File_name)-1], image)
	err := unix.IoctlLoopConfigure(int(dev.Fd()), &cfg)
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOTTY) {
		return err
	}
	// Kernels before 5.8 have no LOOP_CONFIGURE.
	if err := unix.IoctlSetInt(int(dev.Fd()), unix.LOOP_SET_FD, int(backing.Fd())); err != nil {
		return err
	}
	return unix.IoctlLoopSetStatus64(int(dev.Fd()), &cfg.Info)
}

// openLoop opens /dev/loopN, making the node from sysfs when no devtmpfs
// made it.
func openLoop(n int) (*os.File, error) {
	path := "/dev/loop" + strconv.Itoa(n)
	dev, err := os.OpenFile(path, os.O_RDWR|unix.O_CLOEXEC, 0)
	if !errors.Is(err, os.ErrNotExist) {
		return dev, err
	}
	b, err := os.ReadFile(fmt.Sprintf("/sys/block/loop%d/dev", n))
	if err != nil {
		return nil, fmt.Errorf("no node %s: %w", path, err)
	}
	var major, minor uint32
	if _, err := fmt.Sscanf(string(b), "%d:%d", &major, &minor); err != nil {
		return nil, fmt.Errorf("parse /sys/block/loop%d/dev: %w", n, err)
	}
	if err := unix.Mknod(path, unix.S_IFBLK|0o600, int(unix.Mkdev(major, minor))); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("make %s: %w", path, err)
	}
	return os.OpenFile(path, os.O_RDWR|unix.O_CLOEXEC, 0)
}

// unmount retries while the mount is busy (a test's files may still be
// closing), then detaches it lazily so the loop device goes when it can.
func unmount(mnt string) error {
	var err error
	for range 10 {
		err = unix.Unmount(mnt, 0)
		if !errors.Is(err, unix.EBUSY) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if errors.Is(err, unix.EBUSY) {
		err = unix.Unmount(mnt, unix.MNT_DETACH)
	}
	if err != nil {
		return fmt.Errorf("unmount %s: %w", mnt, err)
	}
	return nil
}
