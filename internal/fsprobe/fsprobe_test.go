package fsprobe

import (
	"runtime"
	"testing"
)

func TestName(t *testing.T) {
	tests := map[int64]string{0xEF53: "extfs", 0x58465342: "xfs", 0x1234abcd: "unknown (0x1234abcd)"}
	for magic, want := range tests {
		if got := Name(magic); got != want {
			t.Errorf("Name(%#x) = %q, want %q", magic, got, want)
		}
	}
}

func TestBackingFSOfTempDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("statfs probing is Linux only")
	}
	name, err := BackingFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if name == "" {
		t.Fatal("BackingFS returned an empty name")
	}
}
