package overlay2

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// usernsEnv tells a re-executed test binary that it runs inside the user
// namespace TestConformanceInUserNamespace made for it.
const usernsEnv = "GRAPHDRIVER_TEST_USERNS"

// usernsTests are the tests the child runs inside the namespace.
const usernsTests = "^(TestConformance|TestUserNamespaceStatus)$"

// TestConformanceInUserNamespace re-executes this test binary in a new
// user and mount namespace, uid 0 inside mapped to root outside, where
// overlay2 must mount with userxattr; the child runs TestConformance and
// TestUserNamespaceStatus, and their failure is this test's. The overlay
// mounts made there die with the namespace. Two namespaces: the one
// "unshare -Urm" makes (uid 0 alone mapped) and one with ids 0-65535
// mapped to themselves, where the suite's chowns to foreign owners work
// ("unshare --map-users" would need newuidmap: SysProcAttr writes the
// maps instead).
//
// The suite takes euid 0 for full root: subtests that then chown to an
// unmapped id (EINVAL) or mknod a real device (EPERM in any user
// namespace) are skipped in the child, each with its reason logged here.
func TestConformanceInUserNamespace(t *testing.T) {
	if os.Getenv(usernsEnv) != "" {
		t.Skip("already inside the user namespace")
	}
	if os.Geteuid() != 0 {
		t.Skipf("needs root to create the user namespaces (running as uid %d)", os.Geteuid())
	}
	if out, err := exec.Command("unshare", "-Urm", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot create a user namespace here: unshare -Urm true: %v: %s", err, bytes.TrimSpace(out))
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	t.Run("unshare-Urm", func(t *testing.T) {
		args := append([]string{"-Urm", exe}, childArgs(t, rootOnlySkips)...)
		runChild(t, exec.Command("unshare", args...))
	})
	t.Run("ids-0-65535", func(t *testing.T) {
		cmd := exec.Command(exe, childArgs(t, mappedRangeSkips)...)
		ids := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS,
			UidMappings: ids, GidMappings: ids}
		runChild(t, cmd)
	})
}

// mknodReason and chownReason say why the suite's root-only parts fail
// in a user namespace: the suite (drivertest.privileged) checks euid 0.
const (
	mknodReason = "the suite mknods char device 1:3 as root; a user namespace allows only 0/0 (EPERM)"
	chownReason = "the suite chowns to 1234:5678 as root; unmapped with uid 0 alone mapped (EINVAL)"
)

// mappedRangeSkips are the suite's subtests that cannot pass in a user
// namespace with ids 0-65535 mapped, and why.
var mappedRangeSkips = map[string]string{
	"TestConformance/apply-canonical/plain": mknodReason,
}

// rootOnlySkips are those that cannot pass with uid 0 alone mapped.
var rootOnlySkips = map[string]string{
	"TestConformance/apply-canonical/plain":         mknodReason + "; " + chownReason,
	"TestConformance/create-from-parent/privileged": chownReason,
	"TestConformance/reopen":                        chownReason,
	"TestConformance/apply-roundtrip":               chownReason,
}

// childArgs returns the test binary's flags for the child, logging the
// subtests it skips and why.
func childArgs(t *testing.T, skips map[string]string) []string {
	var pats []string
	for name, why := range skips {
		t.Logf("skipping %s in the user namespace: %s", name, why)
		pats = append(pats, "^"+strings.ReplaceAll(name, "/", "$/^")+"$")
	}
	slices.Sort(pats)
	args := []string{"-test.run", usernsTests, "-test.count=1", "-test.v"}
	if len(pats) > 0 {
		args = append(args, "-test.skip", strings.Join(pats, "|"))
	}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	return args
}

// runChild runs cmd, a re-executed test binary, inside its user
// namespace, failing t with its output if it fails.
func runChild(t *testing.T, cmd *exec.Cmd) {
	cmd.Env = append(os.Environ(), usernsEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v in a user namespace: %v\n%s", cmd.Args, err, out)
	}
	t.Logf("child output:\n%s", out)
	require.Contains(t, string(out), "--- PASS: TestUserNamespaceStatus", "the child did not run its checks")
}

// TestUserNamespaceStatus runs only inside the namespace: the probe must
// have seen it, Status says so, and a whiteout and an opaque dir written
// through a view land in the upper in the userxattr form (a 0/0 char
// device; user.overlay.opaque).
func TestUserNamespaceStatus(t *testing.T) {
	if os.Getenv(usernsEnv) == "" {
		t.Skipf("runs inside TestConformanceInUserNamespace only (%s unset)", usernsEnv)
	}
	uidMap, err := os.ReadFile("/proc/self/uid_map")
	require.NoError(t, err)
	d := openDriver(t, t.TempDir())
	require.Contains(t, d.Status(), [2]string{"User Xattr", "true"}, "uid_map: %s", uidMap)
	require.Equal(t, whiteout.OverlayUserXattr, d.whiteoutFormat())

	require.NoError(t, d.Create("base", "", nil))
	writeView(t, d, "base", map[string]string{"gone": "x", "dir/old": "x"})
	require.NoError(t, d.CreateReadWrite("ctr", "base", nil))
	dir, err := d.Get("ctr", "")
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(dir, "gone")))
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "dir")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "dir"), 0o755))
	require.NoError(t, d.Put("ctr"))

	var st unix.Stat_t
	require.NoError(t, unix.Lstat(filepath.Join(d.diffDir("ctr"), "gone"), &st))
	require.Equal(t, uint32(unix.S_IFCHR), st.Mode&unix.S_IFMT, "whiteout is not a char device")
	require.Zero(t, st.Rdev, "whiteout is not device 0/0")
	buf := make([]byte, 8)
	n, err := unix.Lgetxattr(filepath.Join(d.diffDir("ctr"), "dir"), whiteout.UserOverlayOpaqueXattr, buf)
	require.NoError(t, err, "opaque dir lacks %s", whiteout.UserOverlayOpaqueXattr)
	require.Equal(t, "y", string(buf[:n]))
}
