package whiteout

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// dirFlags opens a directory for reading entries and xattrs, refusing a
// symlink in the last element.
const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

func openDir(dir string) (int, error) {
	fd, err := unix.Open(dir, dirFlags, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return fd, nil
}

func makeWhiteout(dir, name string, f Format) error {
	fd, err := openDir(dir)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return makeWhiteoutAt(fd, name, f)
}

func makeOpaque(dir string, f Format) error {
	fd, err := openDir(dir)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return addOpaqueAt(fd, f)
}

func isOpaqueDir(dir string, f Format) (bool, error) {
	fd, err := openDir(dir)
	if err != nil {
		return false, err
	}
	defer unix.Close(fd)
	if f.isOverlay() {
		return hasOpaqueXattr(fd, f.OpaqueXattr())
	}
	var st unix.Stat_t
	err = unix.Fstatat(fd, OpaqueName, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case errors.Is(err, unix.ENOENT):
		return false, nil
	case err != nil:
		return false, &os.PathError{Op: "lstat", Path: OpaqueName, Err: err}
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return false, fmt.Errorf("%s: %w", OpaqueName, invalid("opaque marker is not a regular file"))
	}
	return true, nil
}

// makeWhiteoutAt makes the whiteout of name in the directory dfd.
func makeWhiteoutAt(dfd int, name string, f Format) error {
	if f == AUFS {
		return createMarkerAt(dfd, Name(name))
	}
	err := unix.Mknodat(dfd, name, unix.S_IFCHR|DevicePerm, 0)
	if errors.Is(err, unix.EEXIST) && statKind(dfd, name) == kindDeviceWhiteout {
		return nil
	}
	if errors.Is(err, unix.EPERM) {
		return fmt.Errorf("mknod %s: %w (char 0/0 whiteouts need CAP_MKNOD before Linux 5.8)", name, err)
	}
	if err != nil {
		return &os.PathError{Op: "mknod", Path: name, Err: err}
	}
	return nil
}

// createMarkerAt creates the empty AUFS file name (a whiteout or the
// opaque marker) in dfd with mode MarkerPerm whatever the umask; an
// existing regular file of that name is success.
func createMarkerAt(dfd int, name string) error {
	fd, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, MarkerPerm)
	if errors.Is(err, unix.EEXIST) && statKind(dfd, name) == kindRegular {
		return nil
	}
	if err != nil {
		return &os.PathError{Op: "create", Path: name, Err: err}
	}
	err = unix.Fchmod(fd, MarkerPerm)
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(&os.PathError{Op: "chmod", Path: name, Err: err}, unix.Unlinkat(dfd, name, 0))
	}
	return nil
}

// addOpaqueAt makes the directory dfd opaque in the form f.
func addOpaqueAt(dfd int, f Format) error {
	if f == AUFS {
		return createMarkerAt(dfd, OpaqueName)
	}
	err := unix.Fsetxattr(dfd, f.OpaqueXattr(), []byte(opaqueValue), 0)
	switch {
	case errors.Is(err, unix.EPERM) && f == Overlay:
		return fmt.Errorf("setxattr %s: %w (trusted.* xattrs need CAP_SYS_ADMIN; use the userxattr form in a user namespace)", f.OpaqueXattr(), err)
	case errors.Is(err, unix.EOPNOTSUPP):
		return fmt.Errorf("setxattr %s: %w (the filesystem does not store these xattrs)", f.OpaqueXattr(), err)
	case err != nil:
		return fmt.Errorf("setxattr %s: %w", f.OpaqueXattr(), err)
	}
	return nil
}

// removeOpaqueAt removes the opaque mark of the form f from dfd.
func removeOpaqueAt(dfd int, f Format) error {
	if f == AUFS {
		if err := unix.Unlinkat(dfd, OpaqueName, 0); err != nil {
			return &os.PathError{Op: "unlink", Path: OpaqueName, Err: err}
		}
		return nil
	}
	if err := unix.Fremovexattr(dfd, f.OpaqueXattr()); err != nil && !errors.Is(err, unix.ENODATA) {
		return fmt.Errorf("removexattr %s: %w", f.OpaqueXattr(), err)
	}
	return nil
}

// hasOpaqueXattr reports whether dfd carries the opaque xattr key set to
// "y". A filesystem without xattrs has none.
func hasOpaqueXattr(dfd int, key string) (bool, error) {
	buf := make([]byte, 8)
	n, err := unix.Fgetxattr(dfd, key, buf)
	switch {
	case errors.Is(err, unix.ENODATA), errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ERANGE):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("getxattr %s: %w", key, err)
	}
	return string(buf[:n]) == opaqueValue, nil
}

// statKind tells what name is in dfd, without following it; kindOther
// when it cannot be seen.
func statKind(dfd int, name string) entryKind {
	var st unix.Stat_t
	if err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return kindOther
	}
	return kindOf(st.Mode, uint64(st.Rdev))
}

func kindOf(mode uint32, rdev uint64) entryKind {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return kindRegular
	case unix.S_IFDIR:
		return kindDir
	case unix.S_IFCHR:
		if rdev == 0 {
			return kindDeviceWhiteout
		}
	}
	return kindOther
}

// deviceNumber returns the device number of a device's FileInfo.
func deviceNumber(fi os.FileInfo) (uint64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return uint64(st.Rdev), true
}
