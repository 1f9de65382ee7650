package drivertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Applier is one step of a fixture: it changes the tree under root. Paths
// given to the constructors below are relative to root; a path that
// leaves root (lexically, or through a symlink in a parent directory) is
// an error, and the final component is never followed where the operation
// allows it (Chown, SetXattr and Chtimes act on a symlink itself; the
// create operations refuse to write through one).
type Applier interface {
	Apply(root string) error
}

// ApplierFunc adapts a function to Applier.
type ApplierFunc func(root string) error

// Apply calls f(root).
func (f ApplierFunc) Apply(root string) error { return f(root) }

// Apply composes appliers: they run in order and the first error stops.
func Apply(appliers ...Applier) Applier {
	return ApplierFunc(func(root string) error {
		for _, a := range appliers {
			if err := a.Apply(root); err != nil {
				return err
			}
		}
		return nil
	})
}

// op wraps one fixture step so its errors say what it was doing.
func op(what, name string, do func(root string) error) Applier {
	return ApplierFunc(func(root string) error {
		if err := do(root); err != nil {
			return fmt.Errorf("drivertest: %s %s: %w", what, name, err)
		}
		return nil
	})
}

// CreateFile writes a regular file holding content, truncating an
// existing one, and sets its mode to perm (setuid, setgid and sticky
// included; the umask does not apply).
func CreateFile(name string, content []byte, perm os.FileMode) Applier {
	return op("create file", name, func(root string) error {
		return createFile(root, name, content, perm)
	})
}

// AppendFile appends content to an existing regular file.
func AppendFile(name string, content []byte) Applier {
	return op("append to", name, func(root string) error {
		return appendFile(root, name, content)
	})
}

// CreateDir makes a directory with mode perm; its parent must exist.
func CreateDir(name string, perm os.FileMode) Applier {
	return op("create dir", name, func(root string) error {
		return createDir(root, name, perm)
	})
}

// Remove removes a file, a symlink (not its target) or an empty directory.
func Remove(name string) Applier {
	return op("remove", name, func(root string) error {
		return remove(root, name)
	})
}

// RemoveAll removes name and everything under it, like os.RemoveAll; a
// missing name is not an error.
func RemoveAll(name string) Applier {
	return op("remove all", name, func(root string) error {
		return removeAll(root, name)
	})
}

// Rename renames oldName to newName, replacing newName as rename(2) does.
func Rename(oldName, newName string) Applier {
	return op("rename", oldName+" to "+newName, func(root string) error {
		return rename(root, oldName, newName)
	})
}

// Link makes newName a hardlink of oldName.
func Link(oldName, newName string) Applier {
	return op("link", oldName+" to "+newName, func(root string) error {
		return link(root, oldName, newName)
	})
}

// Symlink makes name a symlink holding target. The target is data: it
// may be absolute, relative or dangling and is never resolved here.
func Symlink(target, name string) Applier {
	return op("symlink", name, func(root string) error {
		return symlink(root, target, name)
	})
}

// Chown sets the owner of name, not of a symlink's target. The kernel
// clears setuid and setgid bits and security.capability on chown, so
// apply Chmod and SetXattr after it.
func Chown(name string, uid, gid int) Applier {
	return op("chown", name, func(root string) error {
		return chown(root, name, uid, gid)
	})
}

// Chmod sets the mode of name: permission bits plus os.ModeSetuid,
// os.ModeSetgid and os.ModeSticky. A symlink has no mode of its own on
// Linux, so Chmod of one is an error rather than a change of its target.
func Chmod(name string, mode os.FileMode) Applier {
	return op("chmod", name, func(root string) error {
		return chmod(root, name, mode)
	})
}

// Chtimes sets the access and modification times of name itself.
func Chtimes(name string, atime, mtime time.Time) Applier {
	return op("chtimes", name, func(root string) error {
		return chtimes(root, name, atime, mtime)
	})
}

// SetXattr sets the extended attribute key of name itself.
func SetXattr(name, key string, value []byte) Applier {
	return op("setxattr "+key+" on", name, func(root string) error {
		return setXattr(root, name, key, value)
	})
}

// Mkfifo makes a named pipe with mode perm.
func Mkfifo(name string, perm os.FileMode) Applier {
	return op("mkfifo", name, func(root string) error {
		return mknod(root, name, os.ModeNamedPipe|perm, 0, 0)
	})
}

// Mknod makes a special file. The type comes from mode: os.ModeDevice
// with os.ModeCharDevice for a character device, os.ModeDevice alone for
// a block device, os.ModeNamedPipe or os.ModeSocket; the permission bits
// from mode.Perm(). Devices need privileges.
func Mknod(name string, mode os.FileMode, major, minor uint32) Applier {
	return op("mknod", name, func(root string) error {
		return mknod(root, name, mode, major, minor)
	})
}

// cleanName checks that name stays under the root lexically and returns
// it cleaned. "." (the root itself) is allowed; operations that cannot
// act on the root fail in the kernel.
func cleanName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("empty path")
	}
	if strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("path %q holds a NUL byte", name)
	}
	if filepath.IsAbs(name) {
		return "", fmt.Errorf("path %q is absolute (want one relative to the root)", name)
	}
	clean := filepath.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("path %q leaves the root", name)
	}
	return clean, nil
}

// unixPerm converts the permission and setuid/setgid/sticky bits of mode
// to their mode_t values.
func unixPerm(mode os.FileMode) uint32 {
	bits := uint32(mode.Perm())
	if mode&os.ModeSetuid != 0 {
		bits |= 0o4000
	}
	if mode&os.ModeSetgid != 0 {
		bits |= 0o2000
	}
	if mode&os.ModeSticky != 0 {
		bits |= 0o1000
	}
	return bits
}
