//go:build linux

package drivertest

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// copyTree copies src to the new directory dst keeping what Snapshot
// records: types, modes, owners, xattrs, hardlinks. It is the whole
// storage engine of the fake backend the suite tests itself on.
func copyTree(src, dst string) error {
	linked := map[uint64]string{}
	var dirs []string
	err := filepath.WalkDir(src, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			dirs = append(dirs, rel)
		}
		if first, ok := linked[st.Ino]; ok && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return os.Link(filepath.Join(dst, first), target)
		}
		linked[st.Ino] = rel
		return copyEntry(path, target, &st)
	})
	if err != nil {
		return err
	}
	// Directory modes last, deepest first: a 0555 directory must still
	// take its children.
	slices.Reverse(dirs)
	for _, rel := range dirs {
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(src, rel), &st); err != nil {
			return err
		}
		if err := unix.Chmod(filepath.Join(dst, rel), st.Mode&0o7777); err != nil {
			return err
		}
	}
	return nil
}

// copyEntry makes one entry, then its owner, mode and xattrs in the order
// the kernel needs: chown clears setuid and file capabilities.
func copyEntry(src, dst string, st *unix.Stat_t) error {
	var err error
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		err = mkdirIfMissing(dst)
	case unix.S_IFREG:
		err = copyContent(src, dst)
	case unix.S_IFLNK:
		var target string
		if target, err = os.Readlink(src); err == nil {
			err = os.Symlink(target, dst)
		}
	default:
		err = unix.Mknod(dst, st.Mode, int(st.Rdev))
	}
	if err != nil {
		return err
	}
	if err := unix.Lchown(dst, int(st.Uid), int(st.Gid)); err != nil {
		return err
	}
	if k := st.Mode & unix.S_IFMT; k != unix.S_IFLNK && k != unix.S_IFDIR {
		if err := unix.Chmod(dst, st.Mode&0o7777); err != nil {
			return err
		}
	}
	return copyXattrs(src, dst)
}

func mkdirIfMissing(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if os.IsExist(err) {
		return nil
	}
	return err
}

func copyContent(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if closeErr := out.Close(); err == nil {
		err = closeErr
	}
	return err
}

func copyXattrs(src, dst string) error {
	xattrs, err := readXattrs(src)
	if err != nil {
		return err
	}
	for _, x := range xattrs {
		if err := unix.Lsetxattr(dst, x.Name, []byte(x.Value), 0); err != nil {
			return err
		}
	}
	return nil
}
