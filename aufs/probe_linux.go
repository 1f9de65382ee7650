package aufs

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/options"
)

// probe picks how views are mounted: the mount program the options name,
// else kernel aufs (loading the module first when it is missing). It
// returns an error wrapping graphdriver.ErrNotSupported saying why
// neither works.
func probe(opts []string) (mounter, error) {
	parsed, err := options.Parse(Name, opts, "mount_program")
	if err != nil {
		return nil, err
	}
	if prog := parsed["mount_program"]; prog != "" {
		return probeProgram(prog)
	}
	if !kernelHasAufs() {
		return nil, fmt.Errorf("aufs: %w: kernel has no aufs (not in /proc/filesystems, modprobe aufs failed); set aufs.mount_program=fuse-overlayfs",
			graphdriver.ErrNotSupported)
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("aufs: %w: mounting kernel aufs needs root (running as uid %d)", graphdriver.ErrNotSupported, os.Geteuid())
	}
	return newKernelMounter(), nil
}

// probeProgram checks that the mount program prog can run here.
func probeProgram(prog string) (mounter, error) {
	path, err := exec.LookPath(prog)
	if err != nil {
		return nil, fmt.Errorf("aufs: mount program %s: %w: %w (Debian: apt-get install fuse-overlayfs)", prog, graphdriver.ErrNotSupported, err)
	}
	if os.Geteuid() != 0 {
		// As another user the program would mount, but could not keep
		// owners, devices or trusted.* xattrs of the layers it serves.
		return nil, fmt.Errorf("aufs: mount program %s: %w: serving a layer store with it needs root (running as uid %d)",
			path, graphdriver.ErrNotSupported, os.Geteuid())
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return nil, fmt.Errorf("aufs: mount program %s: %w: no /dev/fuse: %w", path, graphdriver.ErrNotSupported, err)
	}
	return &programMounter{path: path}, nil
}

// kernelHasAufs reports whether the kernel knows aufs, running modprobe
// aufs first (as Docker does) when it does not yet.
func kernelHasAufs() bool {
	if hasFilesystemFile("aufs") {
		return true
	}
	if os.Geteuid() != 0 {
		return false
	}
	if modprobe, err := exec.LookPath("modprobe"); err == nil {
		_ = exec.Command(modprobe, "aufs").Run() // a failure leaves the table as it was
	}
	return hasFilesystemFile("aufs")
}

func hasFilesystemFile(name string) bool {
	f, err := os.Open("/proc/filesystems")
	if err != nil {
		return false
	}
	defer f.Close()
	ok, err := hasFilesystem(f, name)
	return err == nil && ok
}
