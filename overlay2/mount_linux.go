package overlay2

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/layerfs/graphdriver/internal/mount"
	"golang.org/x/sys/unix"
)

// mountNew mounts spec at target with the new mount API: fsopen, one
// fsconfig per option (one "lowerdir+" per layer, so no page limit),
// fsconfig create, fsmount, move_mount. The error carries the kernel's
// own message from the fs context when there is one. It is one syscall
// sequence, hence its length.
func mountNew(spec mountSpec, target string) (retErr error) {
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("fsopen overlay: %w", err)
	}
	defer unix.Close(fd)
	defer func() {
		if retErr != nil {
			if msg := fsContextLog(fd); msg != "" {
				retErr = fmt.Errorf("%w (kernel: %s)", retErr, msg)
			}
		}
	}()
	for _, kv := range spec.fsconfigOptions() {
		if kv[0] == "userxattr" {
			err = unix.FsconfigSetFlag(fd, kv[0])
		} else {
			err = unix.FsconfigSetString(fd, kv[0], kv[1])
		}
		if err != nil {
			return fmt.Errorf("fsconfig %s=%s: %w", kv[0], kv[1], err)
		}
	}
	if err := unix.FsconfigCreate(fd); err != nil {
		return fmt.Errorf("fsconfig create: %w", err)
	}
	var attrs int
	if spec.Upper == "" {
		attrs = unix.MOUNT_ATTR_RDONLY
	}
	mfd, err := unix.Fsmount(fd, unix.FSMOUNT_CLOEXEC, attrs)
	if err != nil {
		return fmt.Errorf("fsmount: %w", err)
	}
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount to %s: %w", target, err)
	}
	return nil
}

// fsContextLog returns the messages the kernel queued on an fs context
// ("e overlayfs: ..."), joined; "" when there are none.
func fsContextLog(fd int) string {
	var msgs []string
	buf := make([]byte, 4096)
	for range 16 {
		n, err := unix.Read(fd, buf)
		if err != nil || n <= 0 {
			break
		}
		msgs = append(msgs, strings.TrimSpace(string(buf[:n])))
	}
	return strings.Join(msgs, "; ")
}

// mountLegacy mounts spec at target with mount(2), the paths in spec
// being relative to dir (short links keep the data within a page). The
// process's working directory must not change, so the mount runs on a
// thread of its own that unshares its fs attributes (CLONE_FS) and
// changes directory there. The thread stays locked and so is thrown away
// when the goroutine ends: its cwd never leaks to other goroutines.
func mountLegacy(spec mountSpec, dir, target string, pageSize int) error {
	data := spec.mountData()
	if err := checkDataBudget(data, len(spec.Lowers), pageSize); err != nil {
		return err
	}
	var flags uintptr
	if spec.Upper == "" {
		flags = unix.MS_RDONLY
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			done <- fmt.Errorf("unshare CLONE_FS: %w", err)
			return
		}
		if err := unix.Chdir(dir); err != nil {
			done <- fmt.Errorf("chdir %s: %w", dir, err)
			return
		}
		if err := unix.Mount("overlay", target, "overlay", flags, data); err != nil {
			done <- fmt.Errorf("mount overlay at %s (%d bytes of data): %w", target, len(data), err)
			return
		}
		done <- nil
	}()
	return <-done
}

// bindReadOnly bind-mounts dir read-only at target: a bind, then a
// remount of the bind with MS_RDONLY (a bind ignores it on the first call).
func bindReadOnly(dir, target string) error {
	if err := unix.Mount(dir, target, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s at %s: %w", dir, target, err)
	}
	if err := unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		return errors.Join(fmt.Errorf("remount %s read-only: %w", target, err), mount.Unmount(target))
	}
	return nil
}
