package layers

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestMakeHome(t *testing.T) {
	home := filepath.Join(t.TempDir(), "store")
	sub := filepath.Join(home, "dir")
	if err := MakeHome("test", home, os.Getegid(), sub); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{home, sub} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o710 {
			t.Errorf("%s: mode %v, want 0710", p, fi.Mode().Perm())
		}
	}
	if os.Geteuid() != 0 {
		t.Log("not root: the group change to a remapped root is not checked")
		return
	}
	if err := MakeHome("test", home, 4321, sub); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(sub)
	if gid := fi.Sys().(*syscall.Stat_t).Gid; gid != 4321 {
		t.Errorf("%s: group %d, want the remapped root's 4321", sub, gid)
	}
}
