package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
	"unsafe"

	graphdriver "github.com/layerfs/graphdriver"
	xattrs "github.com/layerfs/graphdriver/internal/xattr"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// chownEntry sets the owner of the tar entry hdr, mapped to the host.
func (a *applier) chownEntry(hdr *tar.Header, set func(uid, gid int) error) error {
	uid, gid, err := a.opts.IDMap.ToHost(hdr.Uid, hdr.Gid)
	if err != nil {
		return fmt.Errorf("owner %d:%d: %w: %w", hdr.Uid, hdr.Gid, err, graphdriver.ErrInvalidLayer)
	}
	return a.chown(set, uid, gid)
}

// chown calls set with host ids; under IgnoreChownErrors, EPERM and EINVAL
// (an id the user namespace does not map) leave the current owner.
func (a *applier) chown(set func(uid, gid int) error, uid, gid int) error {
	err := set(uid, gid)
	switch {
	case err == nil:
		return nil
	case a.opts.IgnoreChownErrors && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL)):
		return nil
	case errors.Is(err, unix.EPERM):
		return fmt.Errorf("chown to %d:%d: %w (set IgnoreChownErrors for rootless use)", uid, gid, err)
	}
	return fmt.Errorf("chown to %d:%d: %w", uid, gid, err)
}

// modeOf returns the permission bits of hdr, setuid, setgid and sticky
// included.
func modeOf(hdr *tar.Header) uint32 { return uint32(hdr.Mode) & 0o7777 }

// xattrSetter sets one xattr on an entry, never following it.
type xattrSetter func(key string, value []byte) error

func fdXattrSetter(fd int) xattrSetter {
	return func(key string, value []byte) error { return unix.Fsetxattr(fd, key, value, 0) }
}

// nameXattrSetter sets xattrs on name in the directory dfd (an O_PATH
// handle) without opening it: lsetxattr on /proc/self/fd/<dfd>/<name>
// reaches the directory through its descriptor and does not follow name.
// Only symlinks, fifos and devices need it; it needs /proc.
func nameXattrSetter(dfd int, name string) xattrSetter {
	p := fmt.Sprintf("/proc/self/fd/%d/%s", dfd, name)
	return func(key string, value []byte) error { return unix.Lsetxattr(p, key, value, 0) }
}

// setXattrs sets xs with set. Under IgnoreChownErrors a trusted.* or
// security.* xattr the process may not set is left out.
func (a *applier) setXattrs(xs []xattr, set xattrSetter) error {
	for _, x := range xs {
		err := set(x.key, x.value)
		if err == nil {
			continue
		}
		privileged := strings.HasPrefix(x.key, "trusted.") || strings.HasPrefix(x.key, "security.")
		if a.opts.IgnoreChownErrors && privileged && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)) {
			continue
		}
		return fmt.Errorf("setxattr %s: %w", x.key, err)
	}
	return nil
}

// removeStaleXattrs removes from the directory fd the xattrs that a
// duplicate entry no longer lists, except the ones Apply keeps for itself
// (overlay-internal ones: the opaque mark) or never takes from a tar.
func removeStaleXattrs(fd int, keep []xattr) error {
	keys, err := listXattrs(fd)
	if err != nil {
		return err
	}
	kept := make(map[string]bool, len(keep))
	for _, x := range keep {
		kept[x.key] = true
	}
	for _, k := range keys {
		if kept[k] || whiteout.IsOverlayInternalXattr(k) || k == droppedXattr {
			continue
		}
		if err := unix.Fremovexattr(fd, k); err != nil && !errors.Is(err, unix.ENODATA) {
			return fmt.Errorf("removexattr %s: %w", k, err)
		}
	}
	return nil
}

// listXattrs returns the xattr names of fd; none where the filesystem has
// no xattrs.
func listXattrs(fd int) ([]string, error) {
	var buf []byte
	keys, err := xattrs.FKeys(fd, &buf)
	if err != nil {
		return nil, fmt.Errorf("listxattr: %w", err)
	}
	return keys, nil
}

// timesOf returns the access and modification times of hdr; a tar
// without access times gets the modification time for both.
func timesOf(hdr *tar.Header) []unix.Timespec {
	at := hdr.AccessTime
	if at.IsZero() {
		at = hdr.ModTime
	}
	return []unix.Timespec{timespec(at), timespec(hdr.ModTime)}
}

func timespec(t time.Time) unix.Timespec {
	return unix.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// setTimesAt sets the times of name in dfd, not following it.
func setTimesAt(dfd int, name string, hdr *tar.Header) error {
	if err := unix.UtimesNanoAt(dfd, name, timesOf(hdr), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

// chmodNoFollow changes the mode of name in dfd without following it
// (chmod through a symlink was CVE-2021-32760): fchmodat2 with
// AT_SYMLINK_NOFOLLOW on Linux 6.6 and later. Older kernels only have
// fchmodat, which follows: there the name is checked not to be a symlink
// first, which is enough because Apply made it just before and nothing
// else writes the layer while Apply runs.
func chmodNoFollow(dfd int, name string, mode uint32) error {
	err := unix.Fchmodat(dfd, name, mode, unix.AT_SYMLINK_NOFOLLOW)
	if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.ENOSYS) {
		return err
	}
	st, err := lstatAt(dfd, name)
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return unix.ELOOP
	}
	return unix.Fchmodat(dfd, name, mode, 0)
}

// dirMeta is what a directory gets at the end of Apply, and the identity
// of the directory it is for.
type dirMeta struct {
	mode     uint32
	times    []unix.Timespec
	dev, ino uint64
}

// setDirMeta sets the owner and xattrs of the directory fd (path p) now,
// and records its mode and times for finishDirs. A duplicate entry of a
// directory this tar listed before replaces its xattrs.
func (a *applier) setDirMeta(fd int, p string, hdr *tar.Header, xs []xattr, existed bool) error {
	if err := a.chownEntry(hdr, func(uid, gid int) error { return unix.Fchown(fd, uid, gid) }); err != nil {
		return err
	}
	if _, listed := a.dirs[p]; existed && listed {
		if err := removeStaleXattrs(fd, xs); err != nil {
			return err
		}
	}
	if err := a.setXattrs(xs, fdXattrSetter(fd)); err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &os.PathError{Op: "stat", Path: p, Err: err}
	}
	if _, listed := a.dirs[p]; !listed && p != "" {
		parent, _ := splitPath(p)
		a.dirKids[parent] = append(a.dirKids[parent], p)
	}
	a.dirs[p] = dirMeta{mode: modeOf(hdr), times: timesOf(hdr), dev: st.Dev, ino: st.Ino}
	return nil
}

// finishDirs sets the mode and times of every directory entry, deepest
// first, so that neither a child written later nor a parent made
// read-only first gets in the way.
func (a *applier) finishDirs() error {
	a.forgetParent()
	paths := make([]string, 0, len(a.dirs))
	for p := range a.dirs {
		paths = append(paths, p)
	}
	depth := func(p string) int {
		if p == "" {
			return -1
		}
		return strings.Count(p, "/")
	}
	sort.Slice(paths, func(i, j int) bool { return depth(paths[i]) > depth(paths[j]) })
	for _, p := range paths {
		if err := a.finishDir(p, a.dirs[p]); err != nil {
			return fmt.Errorf("directory %q: %w", p, err)
		}
	}
	return nil
}

// finishDir sets mode and times of the directory recorded at p, if that
// very directory (same inode) is still there: a later entry may have
// replaced it, or a path through it.
func (a *applier) finishDir(p string, m dirMeta) error {
	fd, err := a.resolveOrRoot(p, unix.O_RDONLY)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Dev != m.dev || st.Ino != m.ino {
		return err
	}
	// Times first: utimensat on "." needs search permission, which the
	// final mode may take away; chmod leaves the times alone.
	if err := unix.UtimesNanoAt(fd, ".", m.times, 0); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	if err := unix.Fchmod(fd, m.mode); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return nil
}

// futimens sets the times of the file open as fd (utimensat with a NULL
// path, which the unix package has no call for).
func futimens(fd int, ts []unix.Timespec) error {
	_, _, errno := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
