package overlay2

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The probe must tell a mount whose upper dir is exact from one that is
// not. Regression guard for moby#33733: with redirect_dir=on a renamed
// lower dir is an empty upper dir plus a redirect xattr, and a walk of
// the upper alone loses what the dir held.
func TestProbeExact(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts overlayfs")
	}
	cases := []struct {
		name    string
		options string // beyond lowerdir, upperdir, workdir
		want    string // substring of the reason; "" for exact
	}{
		{name: "our options", options: "index=off,redirect_dir=off,metacopy=off"},
		{name: "redirect_dir=on", options: "index=off,redirect_dir=on,metacopy=off", want: "redirect"},
		{name: "metacopy=on", options: "index=off,redirect_dir=on,metacopy=on", want: "metacopy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, sub := range []string{"lower", "upper", "work", "merged"} {
				require.NoError(t, os.Mkdir(filepath.Join(dir, sub), 0o755))
			}
			require.NoError(t, exactProbeLower(filepath.Join(dir, "lower")))
			merged := filepath.Join(dir, "merged")
			data := "lowerdir=" + filepath.Join(dir, "lower") + ",upperdir=" + filepath.Join(dir, "upper") +
				",workdir=" + filepath.Join(dir, "work") + "," + c.options
			if err := unix.Mount("overlay", merged, "overlay", 0, data); err != nil {
				t.Skipf("this kernel refuses overlay options %q: %v", c.options, err)
			}
			defer func() { require.NoError(t, unix.Unmount(merged, unix.MNT_DETACH)) }()
			got, err := probeExact(merged, filepath.Join(dir, "upper"))
			require.NoError(t, err)
			if c.want == "" {
				require.Empty(t, got)
			} else {
				require.True(t, strings.Contains(got, c.want), "reason %q, want it to mention %q", got, c.want)
			}
		})
	}
}

// A driver opened here reports, and uses, the native diff: the probe
// found its mounts exact.
func TestStatusNativeDiff(t *testing.T) {
	d := openDriver(t, t.TempDir())
	for _, kv := range d.Status() {
		if kv[0] == "Native Overlay Diff" {
			require.True(t, strings.HasPrefix(kv[1], "true"), "status %q", kv[1])
			require.Empty(t, d.probe.notExact)
			return
		}
	}
	t.Fatal("Status has no Native Overlay Diff line")
}
