package overlay2

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
// The suite probes what root may do there: with uid 0 alone mapped it
// cannot chown to foreign ids (EINVAL), and in no user namespace can it
// mknod a real device (EPERM); it leaves those parts out and says why in
// the child's output, which is logged here.
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
		args := append([]string{"-Urm", exe}, childArgs()...)
		runChild(t, exec.Command("unshare", args...))
	})
	t.Run("ids-0-65535", func(t *testing.T) {
		cmd := exec.Command(exe, childArgs()...)
		ids := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS,
			UidMappings: ids, GidMappings: ids}
		runChild(t, cmd)
	})
}

// childArgs returns the test binary's flags for the child.
func childArgs() []string {
	args := []string{"-test.run", usernsTests, "-test.count=1", "-test.v"}
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
