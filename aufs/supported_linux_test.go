package aufs

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/drivertest"
)

// TestSupportedWithoutKernelAufs: with no kernel aufs and no mount
// program, Supported and New say why and what to set, and New writes
// nothing.
func TestSupportedWithoutKernelAufs(t *testing.T) {
	if kernelHasAufs() {
		t.Skip("this kernel has aufs: the message for kernels without it cannot be checked here")
	}
	home := filepath.Join(t.TempDir(), "aufs")
	for _, err := range []error{Supported(home), func() error { _, err := New(home, nil, graphdriver.IDMap{}); return err }()} {
		if !errors.Is(err, graphdriver.ErrNotSupported) {
			t.Fatalf("got %v, want ErrNotSupported", err)
		}
		for _, want := range []string{"kernel has no aufs", "modprobe aufs", "aufs.mount_program=fuse-overlayfs"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not say %q", err, want)
			}
		}
	}
	if _, err := os.Stat(home); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("New wrote %s although aufs is not supported", home)
	}
}

func TestSupportedMountProgram(t *testing.T) {
	home := t.TempDir()
	err := Supported(home, "aufs.mount_program=/nonexistent/fuse-overlayfs")
	if !errors.Is(err, graphdriver.ErrNotSupported) || !strings.Contains(err.Error(), "apt-get install fuse-overlayfs") {
		t.Fatalf("Supported with a missing program = %v, want ErrNotSupported saying how to install it", err)
	}
	if _, lookErr := exec.LookPath("fuse-overlayfs"); lookErr != nil {
		t.Skipf("fuse-overlayfs is not installed (Debian: apt-get install fuse-overlayfs): %v", lookErr)
	}
	err = Supported(home, programOption)
	if os.Geteuid() != 0 {
		if !errors.Is(err, graphdriver.ErrNotSupported) || !strings.Contains(err.Error(), "needs root") {
			t.Fatalf("Supported as uid %d = %v, want ErrNotSupported saying root is needed", os.Geteuid(), err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Supported(%s) as root with fuse-overlayfs installed: %v", programOption, err)
	}
	if err := Supported(home, "aufs.bogus=1"); err == nil || !strings.Contains(err.Error(), "unknown option") {
		t.Fatalf("Supported with an unknown option = %v", err)
	}
}

// TestConformanceKernelAufs runs the suite on kernel aufs; on a kernel
// without it every check skips with New's reason.
func TestConformanceKernelAufs(t *testing.T) {
	if err := Supported(t.TempDir()); err != nil {
		t.Skipf("kernel aufs: %v", err)
	}
	drivertest.Run(t, func(home string) (graphdriver.Driver, error) {
		return New(home, nil, graphdriver.IDMap{})
	})
}
