//go:build !linux

package loopfs

import "testing"

func newFS(t testing.TB, fstype string, _ int64, _ []string, _ string) string {
	t.Helper()
	t.Skipf("loopfs: %s on a loop device needs linux", fstype)
	return ""
}
