package overlay2

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver/internal/testsupport/upperdifftest"
	"github.com/layerfs/graphdriver/internal/upperdiff"
	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestNativeDiff holds the native diff (a walk of the upper dir) to the
// full walk of both merged views, made through real views and by
// ApplyDiff, and checks that it gives way against another parent and for
// a base layer (upperdifftest.Run).
func TestNativeDiff(t *testing.T) {
	d := openDriver(t, t.TempDir())
	upperdifftest.Run(t, d, d.diff)
}

// TestUpperFormatReadDir: char 0/0 devices are whiteouts, any other
// device is an entry, and the opaque xattr of the store's form marks a
// directory below the root opaque.
func TestUpperFormatReadDir(t *testing.T) {
	dir := t.TempDir()
	names := []upperdiff.Name{{Name: "dev", Mode: unix.S_IFCHR | 0o600, Rdev: unix.Mkdev(1, 3)},
		{Name: "f", Mode: unix.S_IFREG | 0o644}, {Name: "gone", Mode: unix.S_IFCHR}}
	f := &upperFormat{opaqueKey: whiteout.OverlayUserXattr.OpaqueXattr()}
	got, err := f.ReadDir(dir, "d", names)
	require.NoError(t, err)
	require.Equal(t, upperdiff.Dir{Entries: []string{"dev", "f"}, Whiteouts: []string{"gone"}}, got)

	setXattr(t, dir, f.opaqueKey, "y")
	got, err = f.ReadDir(dir, "d", nil)
	require.NoError(t, err)
	require.True(t, got.Opaque)
	_, err = f.ReadDir(dir, "", nil)
	require.ErrorIs(t, err, upperdiff.ErrNotExact, "an opaque root")
}

// TestUpperFormatCheck: the overlay xattrs the walk follows, and those it
// refuses.
func TestUpperFormatCheck(t *testing.T) {
	user := whiteout.OverlayUserXattr.OpaqueXattr()
	tests := []struct {
		name, key, value string
		isDir, ok        bool
	}{
		{"origin", "user.overlay.origin", "x", false, true},
		{"impure", "user.overlay.impure", "y", true, true},
		{"own xattr", "user.other", "v", false, true},
		{"opaque dir", user, "y", true, true},
		{"opaque file", user, "y", false, false},
		{"opaque not y", user, "x", true, false},
		{"opaque of the other form", whiteout.Overlay.OpaqueXattr(), "y", true, false},
		{"redirect", "user.overlay.redirect", "/a", true, false},
		{"metacopy", "user.overlay.metacopy", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "e")
			if tt.isDir {
				require.NoError(t, os.Mkdir(p, 0o755))
			} else {
				require.NoError(t, os.WriteFile(p, nil, 0o644))
			}
			setXattr(t, p, tt.key, tt.value)
			err := (&upperFormat{opaqueKey: user}).Check(p, tt.isDir)
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, upperdiff.ErrNotExact)
			}
		})
	}
}

func setXattr(t *testing.T, p, key, value string) {
	t.Helper()
	if err := unix.Lsetxattr(p, key, []byte(value), 0); err != nil {
		t.Skipf("cannot set %s here: %v", key, err)
	}
}
