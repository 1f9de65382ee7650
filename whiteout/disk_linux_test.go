package whiteout

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// needFormat skips unless this process can write whiteouts of form f:
// char 0/0 devices need CAP_MKNOD before Linux 5.8, the trusted.*
// xattr needs CAP_SYS_ADMIN, user.* xattrs a filesystem that has them.
func needFormat(t *testing.T, f Format) {
	t.Helper()
	if f == AUFS {
		return
	}
	needMknod(t)
	needXattr(t, f.OpaqueXattr())
}

func needMknod(t *testing.T) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "probe")
	if err := unix.Mknod(p, unix.S_IFCHR, 0); err != nil {
		t.Skipf("overlay whiteouts need Linux 5.8 or CAP_MKNOD (run as root): mknod: %v", err)
	}
}

func needXattr(t *testing.T, key string) {
	t.Helper()
	err := unix.Setxattr(t.TempDir(), key, []byte("y"), 0)
	switch {
	case errors.Is(err, unix.EPERM) && strings.HasPrefix(key, "trusted."):
		t.Skipf("%s needs CAP_SYS_ADMIN (run as root): setxattr: %v", key, err)
	case err != nil:
		t.Skipf("the filesystem of TMPDIR does not store %s: setxattr: %v", key, err)
	}
}

// requireNotFollowed checks the error of a call given a symlink to a
// directory: open(O_DIRECTORY|O_NOFOLLOW) fails with ENOTDIR (or ELOOP).
func requireNotFollowed(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	require.True(t, errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP), "want ENOTDIR or ELOOP, got %v", err)
}

var formats = []Format{AUFS, Overlay, OverlayUserXattr}

func TestMakeWhiteout(t *testing.T) {
	for _, f := range formats {
		t.Run(f.String(), func(t *testing.T) {
			needFormat(t, f)
			dir := t.TempDir()
			require.NoError(t, MakeWhiteout(dir, "x", f))
			require.NoError(t, MakeWhiteout(dir, "x", f), "a second call is success")
			p := filepath.Join(dir, "x")
			wantPerm := fs.FileMode(DevicePerm)
			if f == AUFS {
				p, wantPerm = filepath.Join(dir, ".wh.x"), MarkerPerm
			}
			fi, err := os.Lstat(p)
			require.NoError(t, err)
			require.Equal(t, wantPerm, fi.Mode().Perm())
			target, ok := IsWhiteoutFile(p, fi, f)
			require.True(t, ok)
			require.Equal(t, "x", target)

			require.NoError(t, os.WriteFile(filepath.Join(dir, "taken"), nil, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, ".wh.taken"), nil, 0o644))
			require.NoError(t, os.Symlink("/nonexistent-target", filepath.Join(dir, "link")))
			require.NoError(t, os.Symlink("/nonexistent-target", filepath.Join(dir, ".wh.link")))
			if f != AUFS {
				require.ErrorIs(t, MakeWhiteout(dir, "taken", f), fs.ErrExist)
			}
			require.ErrorIs(t, MakeWhiteout(dir, "link", f), fs.ErrExist, "a symlink is never followed")
			_, err = os.Lstat("/nonexistent-target")
			require.ErrorIs(t, err, fs.ErrNotExist)
		})
	}
}

func TestMakeWhiteoutRejects(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", ".", "..", "a/b", "../x", "a\x00"} {
		require.ErrorIs(t, MakeWhiteout(dir, name, AUFS), graphdriver.ErrInvalidLayer, "name %q", name)
	}
	require.ErrorIs(t, MakeWhiteout(dir, ".wh.x", AUFS), graphdriver.ErrInvalidLayer)
	require.ErrorIs(t, MakeWhiteout(dir, "x", Format(9)), graphdriver.ErrNotSupported)

	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(dir, link))
	requireNotFollowed(t, MakeWhiteout(link, "x", AUFS))
	require.ErrorIs(t, MakeWhiteout(filepath.Join(dir, "missing"), "x", AUFS), fs.ErrNotExist)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)
}

// Without CAP_MKNOD on a kernel before 5.8 (or under a seccomp filter that
// denies mknod) the errno stays reachable and the message says why.
func TestMakeWhiteoutUnprivileged(t *testing.T) {
	dir := t.TempDir()
	err := unix.Mknod(filepath.Join(dir, "probe"), unix.S_IFCHR, 0)
	if err == nil {
		t.Skip("this process can mknod a 0/0 whiteout (root, or any user on Linux 5.8 and later): the EPERM path cannot be seen")
	}
	err = MakeWhiteout(dir, "x", Overlay)
	require.ErrorIs(t, err, unix.EPERM)
	require.Contains(t, err.Error(), "CAP_MKNOD")
}

func TestOpaqueDir(t *testing.T) {
	for _, f := range formats {
		t.Run(f.String(), func(t *testing.T) {
			if f != AUFS {
				needXattr(t, f.OpaqueXattr())
			}
			dir := t.TempDir()
			ok, err := IsOpaqueDir(dir, f)
			require.NoError(t, err)
			require.False(t, ok)
			require.NoError(t, MakeOpaque(dir, f))
			require.NoError(t, MakeOpaque(dir, f), "a second call is success")
			ok, err = IsOpaqueDir(dir, f)
			require.NoError(t, err)
			require.True(t, ok)
			for _, other := range formats {
				if other != f {
					ok, err := IsOpaqueDir(dir, other)
					require.NoError(t, err)
					require.False(t, ok, "opaque in %s only", f)
				}
			}
			link := filepath.Join(t.TempDir(), "link")
			require.NoError(t, os.Symlink(dir, link))
			requireNotFollowed(t, MakeOpaque(link, f))
			_, err = IsOpaqueDir(link, f)
			requireNotFollowed(t, err)
		})
	}
}

func TestOpaqueDirAUFSDetails(t *testing.T) {
	dir := t.TempDir()
	old := unix.Umask(0o077)
	defer unix.Umask(old)
	require.NoError(t, MakeOpaque(dir, AUFS))
	fi, err := os.Lstat(filepath.Join(dir, OpaqueName))
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(MarkerPerm), fi.Mode(), "mode is fixed whatever the umask")

	bad := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(bad, OpaqueName), 0o755))
	_, err = IsOpaqueDir(bad, AUFS)
	require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
	require.ErrorIs(t, MakeOpaque(bad, AUFS), fs.ErrExist)
}

// Writing trusted.overlay.opaque without CAP_SYS_ADMIN says what to do.
func TestMakeOpaqueUnprivileged(t *testing.T) {
	dir := t.TempDir()
	if unix.Setxattr(dir, OverlayOpaqueXattr, []byte("y"), 0) == nil {
		t.Skip("this process can write trusted.* xattrs (root): the unprivileged error cannot be seen")
	}
	err := MakeOpaque(dir, Overlay)
	require.Error(t, err)
	if errors.Is(err, unix.EPERM) {
		require.Contains(t, err.Error(), "userxattr")
	}
}

// fakeInfo is an Lstat result made up so that the overlay cases of
// IsWhiteoutFile run without the privilege to mknod.
type fakeInfo struct {
	name string
	mode fs.FileMode
	rdev uint64
}

func (fi fakeInfo) Name() string       { return fi.name }
func (fi fakeInfo) Size() int64        { return 0 }
func (fi fakeInfo) Mode() fs.FileMode  { return fi.mode }
func (fi fakeInfo) ModTime() time.Time { return time.Time{} }
func (fi fakeInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi fakeInfo) Sys() any           { return &syscall.Stat_t{Rdev: fi.rdev} }

func TestIsWhiteoutFile(t *testing.T) {
	const chr = fs.ModeDevice | fs.ModeCharDevice
	tests := []struct {
		name   string
		path   string
		fi     fakeInfo
		f      Format
		target string
	}{
		{"aufs whiteout", "/l/a/.wh.x", fakeInfo{mode: 0o644}, AUFS, "x"},
		{"aufs malformed", "/l/a/.wh..", fakeInfo{mode: 0o644}, AUFS, ""},
		{"aufs opaque marker", "/l/" + OpaqueName, fakeInfo{mode: 0o644}, AUFS, ""},
		{"aufs metadata", "/l/" + AufsName, fakeInfo{mode: 0o644}, AUFS, ""},
		{"aufs dir named like a whiteout", "/l/.wh.x", fakeInfo{mode: fs.ModeDir | 0o755}, AUFS, ""},
		{"aufs char device", "/l/x", fakeInfo{mode: chr}, AUFS, ""},
		{"overlay whiteout", "/l/a/x", fakeInfo{mode: chr}, Overlay, "x"},
		{"userxattr whiteout", "/l/a/x", fakeInfo{mode: chr}, OverlayUserXattr, "x"},
		{"overlay other device", "/l/a/null", fakeInfo{mode: chr, rdev: unix.Mkdev(1, 3)}, Overlay, ""},
		{"overlay block device 0/0", "/l/a/x", fakeInfo{mode: fs.ModeDevice}, Overlay, ""},
		{"overlay regular file", "/l/a/.wh.x", fakeInfo{mode: 0o644}, Overlay, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target, ok := IsWhiteoutFile(tc.path, tc.fi, tc.f)
			require.Equal(t, tc.target != "", ok)
			require.Equal(t, tc.target, target)
		})
	}
}
