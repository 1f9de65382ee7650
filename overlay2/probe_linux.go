package overlay2

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/fsprobe"
	"github.com/layerfs/graphdriver/internal/mount"
	"golang.org/x/sys/unix"
)

// probePrefix names the temporary directories of the probes; a reopen
// purges any a crash left in the home.
const probePrefix = ".probe-"

// probeResult is what the probes at open found.
type probeResult struct {
	fsName    string
	dType     bool
	api       string // for Status
	legacy    bool   // mount with mount(2) and short links
	userXattr bool
	maxDepth  int
	// notExact says why the upper dir of a layer cannot be diffed alone
	// on these mounts (see probe_exact_linux.go); "" when it can.
	notExact string
}

func supported(home string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("overlay2: %w: mounting overlayfs needs root or a user namespace (running as uid %d)",
			graphdriver.ErrNotSupported, os.Geteuid())
	}
	abs, err := filepath.Abs(home)
	if err != nil {
		return fmt.Errorf("overlay2: probe %s: %w", home, err)
	}
	_, err = runProbes(abs, "auto")
	return err
}

// runProbes checks, in a temporary directory in home (or in its nearest
// existing ancestor) that it removes: the backing filesystem, d_type, and
// a real overlay mount with two lowers, an upper and a work dir, with the
// new mount API and lowerdir+ unless api is "legacy", falling back to
// mount(2) when api is "auto" and the kernel lacks them.
func runProbes(home, api string) (p probeResult, retErr error) {
	base := nearestExisting(home)
	tmp, err := os.MkdirTemp(base, probePrefix)
	if err != nil {
		return p, fmt.Errorf("overlay2: probe %s: %w", home, err)
	}
	defer func() { retErr = errors.Join(retErr, mount.UnmountAllUnder(tmp), os.RemoveAll(tmp)) }()
	if p.fsName, err = fsprobe.BackingFS(tmp); err != nil {
		return p, fmt.Errorf("overlay2: probe %s: %w", home, err)
	}
	if p.fsName == "overlayfs" {
		return p, fmt.Errorf("overlay2: probe %s: %w: the backing filesystem is overlayfs, which cannot hold an overlay's upper dir; put the home on ext4 or xfs",
			home, graphdriver.ErrNotSupported)
	}
	if err := checkDType(tmp); err != nil {
		return p, fmt.Errorf("overlay2: probe %s (%s): %w", home, p.fsName, err)
	}
	p.dType = true
	if p.userXattr, err = inUserNamespace(); err != nil {
		return p, fmt.Errorf("overlay2: probe %s: %w", home, err)
	}
	if err := p.probeMount(tmp, api); err != nil {
		return p, fmt.Errorf("overlay2: probe %s (%s): %w", home, p.fsName, err)
	}
	return p, nil
}

func nearestExisting(path string) string {
	for {
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			return path
		}
		parent := filepath.Dir(path)
		if parent == path {
			return path
		}
		path = parent
	}
}

// probeMount mounts a test overlay in dir and records which API works.
func (p *probeResult) probeMount(dir, api string) error {
	for _, sub := range []string{"l1", "l2", "upper", "work", "merged"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	if err := exactProbeLower(filepath.Join(dir, "l1")); err != nil {
		return err
	}
	var newErr error
	if api != "legacy" {
		spec := mountSpec{Lowers: []string{filepath.Join(dir, "l1"), filepath.Join(dir, "l2")},
			Upper: filepath.Join(dir, "upper"), Work: filepath.Join(dir, "work"), UserXattr: p.userXattr}
		if newErr = p.tryMount(dir, func() error { return mountNew(spec, filepath.Join(dir, "merged")) }); newErr == nil {
			p.api, p.maxDepth = "new (fsopen, fsconfig lowerdir+)", MaxLowers
			return nil
		}
		if api == "new" || !(errors.Is(newErr, unix.EINVAL) || errors.Is(newErr, unix.ENOSYS)) {
			return fmt.Errorf("%w: overlay mount with the new mount API: %w", graphdriver.ErrNotSupported, newErr)
		}
	}
	spec := mountSpec{Lowers: []string{"l1", "l2"}, Upper: "upper", Work: "work", UserXattr: p.userXattr}
	pageSize := unix.Getpagesize()
	err := p.tryMount(dir, func() error { return mountLegacy(spec, dir, filepath.Join(dir, "merged"), pageSize) })
	if err != nil {
		return fmt.Errorf("%w: overlay mount: %w", graphdriver.ErrNotSupported, errors.Join(newErr, err))
	}
	p.api, p.legacy, p.maxDepth = "legacy (mount(2), short links)", true, legacyDepthFor(pageSize)
	return nil
}

// tryMount runs doMount, then writes a file through the view and checks it
// landed in the upper dir, probes whether a native diff is exact, and
// unmounts. It leaves the upper and work dirs empty for another try.
func (p *probeResult) tryMount(dir string, doMount func() error) error {
	if err := doMount(); err != nil {
		return err
	}
	merged, upper := filepath.Join(dir, "merged"), filepath.Join(dir, "upper")
	err := os.WriteFile(filepath.Join(merged, "probe"), []byte("probe\n"), 0o644)
	if err == nil {
		_, err = os.Stat(filepath.Join(upper, "probe"))
	}
	if err == nil {
		p.notExact, err = probeExact(merged, upper)
	}
	err = errors.Join(err, mount.Unmount(merged))
	for _, sub := range []string{"upper", "work"} {
		if err == nil {
			err = os.RemoveAll(filepath.Join(dir, sub))
		}
		if err == nil {
			err = os.Mkdir(filepath.Join(dir, sub), 0o755)
		}
	}
	return err
}

// checkDType creates a file and reads its directory with getdents: the
// entry's type must come back as DT_REG. Without d_type (xfs formatted
// with ftype=0) overlayfs cannot tell whiteouts from files.
func checkDType(dir string) error {
	sub := filepath.Join(dir, "dtype")
	if err := os.Mkdir(sub, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(sub, "f"), nil, 0o600); err != nil {
		return err
	}
	fd, err := unix.Open(sub, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	buf := make([]byte, 4096)
	n, err := unix.ReadDirent(fd, buf)
	if err != nil {
		return fmt.Errorf("getdents %s: %w", sub, err)
	}
	if direntType(buf[:n], "f") != unix.DT_REG {
		return fmt.Errorf("%w: backing filesystem lacks d_type: reformat xfs with ftype=1 (mkfs.xfs -n ftype=1)", graphdriver.ErrNotSupported)
	}
	return nil
}

// direntType returns the d_type of name in the linux_dirent64 records
// of buf, or DT_UNKNOWN.
func direntType(buf []byte, name string) uint8 {
	for len(buf) >= 19 {
		reclen := int(binary.NativeEndian.Uint16(buf[16:18]))
		if reclen < 19 || reclen > len(buf) {
			break
		}
		if n, _, _ := bytes.Cut(buf[19:reclen], []byte{0}); string(n) == name {
			return buf[18]
		}
		buf = buf[reclen:]
	}
	return unix.DT_UNKNOWN
}

// inUserNamespace reports whether the process runs in a user namespace:
// its uid map is not the identity of the initial namespace.
func inUserNamespace() (bool, error) {
	b, err := os.ReadFile("/proc/self/uid_map")
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return strings.Join(strings.Fields(string(b)), " ") != "0 0 4294967295", nil
}
