package drivertest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// parentDir is an open handle on the directory holding a fixture path and
// the path's last component. Every operation goes through the handle, so
// a symlink in a parent cannot take it outside the root.
type parentDir struct {
	fd   int
	base string
}

// openParent resolves the parent of name beneath root with openat2
// RESOLVE_BENEATH: "..", absolute symlinks and symlinks that climb out
// make it fail with EXDEV instead of leaving root.
func openParent(root, name string) (parentDir, error) {
	clean, err := cleanName(name)
	if err != nil {
		return parentDir{}, err
	}
	rootFD, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return parentDir{}, fmt.Errorf("open root %s: %w", root, err)
	}
	defer unix.Close(rootFD)
	dir := filepath.Dir(clean)
	fd, err := unix.Openat2(rootFD, dir, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	})
	if errors.Is(err, unix.EXDEV) {
		return parentDir{}, fmt.Errorf("parent %q resolves outside the root: %w", dir, err)
	}
	if err != nil {
		return parentDir{}, fmt.Errorf("open parent %q: %w", dir, err)
	}
	return parentDir{fd: fd, base: filepath.Base(clean)}, nil
}

// procPath names the final component through /proc, for the calls that
// have no *at form (lsetxattr, RemoveAll).
func (p parentDir) procPath() string {
	return "/proc/self/fd/" + strconv.Itoa(p.fd) + "/" + p.base
}

func withParent(root, name string, do func(p parentDir) error) error {
	p, err := openParent(root, name)
	if err != nil {
		return err
	}
	defer unix.Close(p.fd)
	return do(p)
}

func writeFile(root, name string, flags int, content []byte, setPerm func(fd int) error) error {
	return withParent(root, name, func(p parentDir) error {
		fd, err := unix.Openat(p.fd, p.base, flags|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), name)
		_, err = f.Write(content)
		if err == nil && setPerm != nil {
			err = setPerm(fd)
		}
		return errors.Join(err, f.Close())
	})
}

func createFile(root, name string, content []byte, perm os.FileMode) error {
	// The mode is set after writing: a write by an unprivileged user
	// clears setuid and setgid.
	return writeFile(root, name, unix.O_CREAT|unix.O_TRUNC, content, func(fd int) error {
		return unix.Fchmod(fd, unixPerm(perm))
	})
}

func appendFile(root, name string, content []byte) error {
	return writeFile(root, name, unix.O_APPEND, content, nil)
}

func createDir(root, name string, perm os.FileMode) error {
	return withParent(root, name, func(p parentDir) error {
		if err := unix.Mkdirat(p.fd, p.base, 0o700); err != nil {
			return err
		}
		return unix.Fchmodat(p.fd, p.base, unixPerm(perm), 0)
	})
}

func remove(root, name string) error {
	return withParent(root, name, func(p parentDir) error {
		err := unix.Unlinkat(p.fd, p.base, 0)
		if errors.Is(err, unix.EISDIR) {
			err = unix.Unlinkat(p.fd, p.base, unix.AT_REMOVEDIR)
		}
		return err
	})
}

func removeAll(root, name string) error {
	return withParent(root, name, func(p parentDir) error {
		return os.RemoveAll(p.procPath())
	})
}

func withTwoParents(root, oldName, newName string, do func(from, to parentDir) error) error {
	return withParent(root, oldName, func(from parentDir) error {
		return withParent(root, newName, func(to parentDir) error {
			return do(from, to)
		})
	})
}

// rename renames oldName; where the kernel refuses with EXDEV, it moves
// the entry as mv(1) does, by copying and removing. Overlayfs mounted
// with redirect_dir=off answers EXDEV for a directory of a lower layer,
// and tools fall back this way.
func rename(root, oldName, newName string) error {
	return withTwoParents(root, oldName, newName, func(from, to parentDir) error {
		err := unix.Renameat(from.fd, from.base, to.fd, to.base)
		if !errors.Is(err, unix.EXDEV) {
			return err
		}
		// mv reaches the resolved parents through this process's fds.
		src := fmt.Sprintf("/proc/%d/fd/%d/%s", os.Getpid(), from.fd, from.base)
		dst := fmt.Sprintf("/proc/%d/fd/%d/%s", os.Getpid(), to.fd, to.base)
		modes, err := dirModes(src)
		if err != nil {
			return err
		}
		if out, err := exec.Command("mv", "-T", src, dst).CombinedOutput(); err != nil {
			return fmt.Errorf("mv after EXDEV: %w: %s", err, out)
		}
		return restoreDirModes(dst, modes)
	})
}

// dirModes records the mode bits of every directory under root, which mv
// may not keep: a directory it makes inside a setgid directory inherits
// the setgid bit, where rename(2) keeps the directory as it was.
func dirModes(root string) (map[string]uint32, error) {
	modes := map[string]uint32{}
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || !e.IsDir() {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		modes[rel] = st.Mode & 0o7777
		return nil
	})
	return modes, err
}

// restoreDirModes puts back the modes dirModes recorded, under root,
// deepest first: a parent may lose the search permission its children
// need.
func restoreDirModes(root string, modes map[string]uint32) error {
	rels := make([]string, 0, len(modes))
	for rel := range modes {
		rels = append(rels, rel)
	}
	sort.Slice(rels, func(i, j int) bool { return strings.Count(rels[i], "/") > strings.Count(rels[j], "/") })
	for _, rel := range rels {
		mode := modes[rel]
		if err := unix.Chmod(filepath.Join(root, rel), mode); err != nil {
			return fmt.Errorf("restore mode of %s after mv: %w", rel, err)
		}
	}
	return nil
}

func link(root, oldName, newName string) error {
	return withTwoParents(root, oldName, newName, func(from, to parentDir) error {
		return unix.Linkat(from.fd, from.base, to.fd, to.base, 0)
	})
}

func symlink(root, target, name string) error {
	return withParent(root, name, func(p parentDir) error {
		return unix.Symlinkat(target, p.fd, p.base)
	})
}

func chown(root, name string, uid, gid int) error {
	return withParent(root, name, func(p parentDir) error {
		return unix.Fchownat(p.fd, p.base, uid, gid, unix.AT_SYMLINK_NOFOLLOW)
	})
}

func chmod(root, name string, mode os.FileMode) error {
	return withParent(root, name, func(p parentDir) error {
		var st unix.Stat_t
		if err := unix.Fstatat(p.fd, p.base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return fmt.Errorf("is a symlink, which has no mode of its own: %w", unix.ELOOP)
		}
		return unix.Fchmodat(p.fd, p.base, unixPerm(mode), 0)
	})
}

func chtimes(root, name string, atime, mtime time.Time) error {
	return withParent(root, name, func(p parentDir) error {
		ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
		return unix.UtimesNanoAt(p.fd, p.base, ts, unix.AT_SYMLINK_NOFOLLOW)
	})
}

func setXattr(root, name, key string, value []byte) error {
	return withParent(root, name, func(p parentDir) error {
		return unix.Lsetxattr(p.procPath(), key, value, 0)
	})
}

func mknod(root, name string, mode os.FileMode, major, minor uint32) error {
	kind, err := nodeKind(mode)
	if err != nil {
		return err
	}
	return withParent(root, name, func(p parentDir) error {
		dev := int(unix.Mkdev(major, minor))
		if err := unix.Mknodat(p.fd, p.base, kind|0o600, dev); err != nil {
			return err
		}
		return unix.Fchmodat(p.fd, p.base, unixPerm(mode), 0)
	})
}

// nodeKind maps the type bits of an os.FileMode to S_IF* for mknod.
func nodeKind(mode os.FileMode) (uint32, error) {
	switch mode.Type() {
	case os.ModeNamedPipe:
		return unix.S_IFIFO, nil
	case os.ModeSocket:
		return unix.S_IFSOCK, nil
	case os.ModeDevice | os.ModeCharDevice:
		return unix.S_IFCHR, nil
	case os.ModeDevice:
		return unix.S_IFBLK, nil
	}
	return 0, fmt.Errorf("mode %v is not a fifo, socket or device", mode)
}
