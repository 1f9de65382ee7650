package overlay2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	xattrs "github.com/layerfs/graphdriver/internal/xattr"
	"golang.org/x/sys/unix"
)

// The native diff walks only a layer's upper dir, which is exact only
// when the kernel copies up whole files and never records a rename as a
// redirect (moby#33733: with redirect_dir=on, a renamed lower dir is an
// empty upper dir plus an xattr, and an upper-only walk drops what it
// held). The mounts ask for redirect_dir=off (nofollow under userxattr)
// and metacopy=off; probeExact checks, on the probe mount, that the
// kernel did as asked, so a kernel that ignores or defaults differently
// turns the native diff off instead of making it wrong.

// exactProbeLower fills the probe's lower dir with what probeExact
// renames and changes through the view.
func exactProbeLower(lower string) error {
	if err := os.MkdirAll(filepath.Join(lower, "d"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(lower, "d", "x"), []byte("x\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(lower, "f"), []byte("content\n"), 0o644)
}

// probeExact changes the mode of the lower file f and renames the lower
// dir d through merged, and returns why an upper-only walk would not be
// exact on this mount, or "" when it would: f must be copied up whole (no
// metacopy), and the rename must fail with EXDEV (no redirect).
func probeExact(merged, upper string) (string, error) {
	var why []string
	if err := os.Chmod(filepath.Join(merged, "f"), 0o600); err != nil {
		return "", fmt.Errorf("chmod a lower file through the view: %w", err)
	}
	up := filepath.Join(upper, "f")
	if _, err := os.Lstat(up); err != nil {
		return "", fmt.Errorf("chmod did not copy the file up: %w", err)
	}
	var buf []byte
	for _, key := range []string{"trusted.overlay.metacopy", "user.overlay.metacopy"} {
		if _, err := xattrs.LValue(up, key, &buf); err == nil {
			why = append(why, "the kernel copies up metadata only (metacopy)")
			break
		}
	}
	err := os.Rename(filepath.Join(merged, "d"), filepath.Join(merged, "d2"))
	switch {
	case err == nil:
		why = append(why, "the kernel renamed a lower directory (a redirect) instead of refusing it (EXDEV)")
	case !errors.Is(err, unix.EXDEV):
		return "", fmt.Errorf("rename a lower directory through the view: %w", err)
	}
	return strings.Join(why, "; "), nil
}
