package aufs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/layerfs/graphdriver/internal/mount"
	"golang.org/x/sys/unix"
)

// viewSpec is one view to mount: layer ids (directories under diffRoot).
type viewSpec struct {
	diffRoot string
	lowers   []string // nearest first; for a base layer, its empty lower dir
	upper    string   // "" for a read-only view
	work     string   // absolute: a scratch dir of the mount program
	target   string
	label    string
}

// mounter mounts views: kernel aufs or a mount program.
type mounter interface {
	String() string
	mount(v viewSpec) error
	// overlayMarkers reports whether what it writes into an upper dir
	// needs normalize afterwards (a mount program marks opaque dirs with
	// an xattr too).
	overlayMarkers() bool
	// needsLower reports whether a view needs at least one lower dir
	// (fuse-overlayfs does; aufs does not).
	needsLower() bool
}

// kernelMounter mounts with kernel aufs.
type kernelMounter struct {
	pageSize int
	mu       sync.Mutex
	dirperm1 bool // cleared once the module refuses it
}

func newKernelMounter() *kernelMounter {
	return &kernelMounter{pageSize: unix.Getpagesize(), dirperm1: true}
}

func (k *kernelMounter) String() string       { return "kernel aufs" }
func (k *kernelMounter) overlayMarkers() bool { return false }
func (k *kernelMounter) needsLower() bool     { return false }

// mount mounts v with mount(2) and remounts appending what did not fit a
// page; without dirperm1 when the module refuses it (EINVAL).
func (k *kernelMounter) mount(v viewSpec) error {
	k.mu.Lock()
	dirperm1 := k.dirperm1
	k.mu.Unlock()
	err := k.mountWith(v, dirperm1)
	if dirperm1 && errors.Is(err, unix.EINVAL) {
		if err = k.mountWith(v, false); err == nil {
			k.mu.Lock()
			k.dirperm1 = false
			k.mu.Unlock()
		}
	}
	return err
}

func (k *kernelMounter) mountWith(v viewSpec, dirperm1 bool) error {
	abs := func(id string) string { return filepath.Join(v.diffRoot, id) }
	var ro []string
	for _, id := range v.lowers {
		ro = append(ro, abs(id))
	}
	rw := ""
	var flags uintptr
	if v.upper != "" {
		rw = abs(v.upper)
	} else {
		flags = unix.MS_RDONLY
	}
	plan, err := planKernelMount(rw, ro, v.label, dirperm1, k.pageSize)
	if err != nil {
		return err
	}
	if err := unix.Mount("none", v.target, "aufs", flags, plan.Data); err != nil {
		return fmt.Errorf("mount aufs at %s (%d branches in the first page): %w", v.target, strings.Count(plan.Data, "=r"), err)
	}
	for _, data := range plan.Appends {
		if err := unix.Mount("none", v.target, "aufs", unix.MS_REMOUNT|flags, data); err != nil {
			return errors.Join(fmt.Errorf("remount aufs at %s to append branches: %w", v.target, err), mount.Unmount(v.target))
		}
	}
	return nil
}

// programMounter mounts with a mount program taking fuse-overlayfs's
// options. The program puts itself in the background once the mount is
// there, so the call returns with the view mounted; unmounting ends it.
type programMounter struct {
	path string
}

func (p *programMounter) String() string       { return filepath.Base(p.path) + " (" + p.path + ")" }
func (p *programMounter) overlayMarkers() bool { return true }
func (p *programMounter) needsLower() bool     { return true }

func (p *programMounter) mount(v viewSpec) error {
	m := programMount{Lowers: v.lowers, Upper: v.upper, Target: v.target, Label: v.label}
	if v.upper != "" {
		work, err := filepath.Rel(v.diffRoot, v.work)
		if err != nil {
			return err
		}
		m.Work = work
	}
	cmd := exec.Command(p.path, programArgs(m)...)
	cmd.Dir = v.diffRoot // the layer paths are relative to it
	cmd.Env = programEnv(os.Environ())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s at %s (%d lower dirs): %w: %s", filepath.Base(p.path), v.target, len(v.lowers), err,
			strings.TrimSpace(string(out)))
	}
	return nil
}
