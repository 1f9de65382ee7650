package mount

import (
	"errors"
	"fmt"
	"time"

	"github.com/layerfs/graphdriver"
	"golang.org/x/sys/unix"
)

// Unmount unmounts target, retrying while it is busy (EBUSY) for about
// a second, then detaching it (MNT_DETACH) so that it goes once its last
// open file is closed. Not mounted (EINVAL) or gone (ENOENT) is success.
// Every backend unmounts through it, so a view is never left mounted
// because one backend gave up sooner than another.
func Unmount(target string) error {
	err := RetryBusy(6, 10*time.Millisecond, unix.EBUSY, time.Sleep, func() error {
		return unix.Unmount(target, 0)
	})
	if errors.Is(err, unix.EBUSY) {
		err = unix.Unmount(target, unix.MNT_DETACH)
	}
	if err == nil || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
		return nil
	}
	return fmt.Errorf("unmount %s: %w", target, err)
}

// UnmountAllUnder unmounts every mount strictly below dir, deepest first.
func UnmountAllUnder(dir string) error {
	entries, err := Read()
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range Points(Under(entries, dir)) {
		errs = append(errs, Unmount(p))
	}
	return errors.Join(errs...)
}

// IsMounted reports whether path is a mount point, per the mount table.
func IsMounted(path string) (bool, error) {
	entries, err := Read()
	if err != nil {
		return false, err
	}
	return IsMountPoint(entries, path), nil
}

// CheckUnmounted returns an error wrapping graphdriver.ErrBusy when dir
// or anything below it is a mount point: deleting through a mount would
// delete the contents of the layers mounted there.
func CheckUnmounted(dir string) error {
	entries, err := Read()
	if err != nil {
		return err
	}
	if IsMountPoint(entries, dir) {
		return fmt.Errorf("%s is mounted: %w", dir, graphdriver.ErrBusy)
	}
	if busy := Under(entries, dir); len(busy) > 0 {
		return fmt.Errorf("%s: %s is mounted: %w", dir, busy[0].Point, graphdriver.ErrBusy)
	}
	return nil
}
