package drivertest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// The privileged parts of the suite need more than euid 0: root in a
// user namespace may have no other id mapped (chown to 1234 fails with
// EINVAL) and may not make real device nodes (EPERM). Each is probed
// once, in a temporary directory, so the suite runs what it can there
// and says why it leaves the rest out.
var abilities = sync.OnceValue(func() ability {
	if os.Geteuid() != 0 {
		err := fmt.Errorf("running as uid %d", os.Geteuid())
		return ability{chown: err, mknod: err}
	}
	return probeAbilities()
})

// ability holds why the suite cannot make foreign owners or device
// nodes; nil where it can.
type ability struct {
	chown, mknod error
}

// privileged reports whether the suite can make files of other owners
// (and so files only root reads past) as root does.
func privileged() bool { return abilities().chown == nil }

// devices reports whether the suite can make device nodes.
func devices() bool { return abilities().mknod == nil }

// skipUnlessRoot skips t, saying what needs root and why it is missing.
func skipUnlessRoot(t testing.TB, what string) {
	t.Helper()
	if err := abilities().chown; err != nil {
		t.Skipf("needs root: %s (%v)", what, err)
	}
}

// notPrivilegedReason says why the suite leaves out foreign owners.
func notPrivilegedReason() string { return fmt.Sprint(abilities().chown) }

// noDevicesReason says why the suite leaves out device nodes.
func noDevicesReason() string { return fmt.Sprint(abilities().mknod) }
