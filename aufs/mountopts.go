package aufs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/layerfs/graphdriver"
)

// This file computes what a mount needs, for kernel aufs and for a mount
// program: the mount(2) data and the remounts that append branches past a
// page, and the program's arguments. It does no syscalls, so its unit
// tests need no root and no aufs.

// xinoPath is the external inode number table, where Docker keeps it:
// one file shared by every aufs mount, on tmpfs.
const xinoPath = "/dev/shm/aufs.xino"

// kernelMount is how to mount one view with kernel aufs: one mount(2)
// with Data, then one MS_REMOUNT per element of Appends, in order, each
// appending branches below those already there.
type kernelMount struct {
	Data    string
	Appends []string
}

// planKernelMount returns the mount of the branches rw (the writable
// branch, "" for a read-only view) over ro (nearest first). The data of
// each call, its trailing NUL included, fits pageSize: the branches that
// do not fit the first call go into "append:<dir>=ro+wh" remounts,
// batched as many to a page as fit. Options: dio, xino in /dev/shm,
// dirperm1 where the module has it, an SELinux context when label is set.
// A branch path aufs cannot parse (with ':', ',' or '=') is an error
// wrapping graphdriver.ErrNotSupported; so is one too long for a page.
func planKernelMount(rw string, ro []string, label string, dirperm1 bool, pageSize int) (kernelMount, error) {
	branches := make([]string, 0, len(ro)+1)
	if rw != "" {
		branches = append(branches, rw+"=rw")
	}
	for _, dir := range ro {
		branches = append(branches, dir+"=ro+wh")
	}
	if len(branches) == 0 {
		return kernelMount{}, errors.New("aufs: mount: no branch")
	}
	for _, dir := range append([]string{rw}, ro...) {
		if strings.ContainsAny(dir, ":,=\x00") {
			return kernelMount{}, fmt.Errorf("aufs: branch %q: %w: aufs cannot parse ':', ',' or '=' in a branch path", dir, graphdriver.ErrNotSupported)
		}
	}
	tail := ",dio,xino=" + xinoPath
	if dirperm1 {
		tail += ",dirperm1"
	}
	ctx := contextOption(label)
	if ctx != "" {
		tail += "," + ctx
	}
	data := "br:" + branches[0]
	n := 1
	for ; n < len(branches); n++ {
		if len(data)+1+len(branches[n])+len(tail)+1 > pageSize {
			break
		}
		data += ":" + branches[n]
	}
	data += tail
	if len(data)+1 > pageSize {
		return kernelMount{}, fmt.Errorf("aufs: mount data of %d bytes does not fit a page of %d: %w", len(data)+1, pageSize, graphdriver.ErrNotSupported)
	}
	appends, err := appendBatches(branches[n:], ctx, pageSize)
	if err != nil {
		return kernelMount{}, err
	}
	return kernelMount{Data: data, Appends: appends}, nil
}

// appendBatches packs "append:<branch>" options into remount data of at
// most pageSize bytes each (NUL included), keeping their order.
func appendBatches(branches []string, ctx string, pageSize int) ([]string, error) {
	var out []string
	cur := ""
	flush := func() {
		if cur != "" {
			if ctx != "" {
				cur += "," + ctx
			}
			out = append(out, cur)
			cur = ""
		}
	}
	extra := 0
	if ctx != "" {
		extra = 1 + len(ctx)
	}
	for _, b := range branches {
		opt := "append:" + b
		if len(opt)+extra+1 > pageSize {
			return nil, fmt.Errorf("aufs: branch %s does not fit a page of %d: %w", b, pageSize, graphdriver.ErrNotSupported)
		}
		if cur != "" && len(cur)+1+len(opt)+extra+1 > pageSize {
			flush()
		}
		if cur != "" {
			cur += ","
		}
		cur += opt
	}
	flush()
	return out, nil
}

// contextOption returns the SELinux mount option for label, "" for none.
func contextOption(label string) string {
	if label == "" {
		return ""
	}
	return `context="` + label + `"`
}

// programMount is one view mounted by a mount program (fuse-overlayfs or
// one taking its options): paths relative to the program's working
// directory, the diff root, so a deep chain stays short.
type programMount struct {
	Lowers []string // nearest first
	Upper  string   // "" for a read-only view
	Work   string   // with Upper
	Target string
	Label  string
}

// programArgs returns the mount program's arguments for m. Without an
// upper dir the program mounts read-only.
func programArgs(m programMount) []string {
	opts := "lowerdir=" + strings.Join(m.Lowers, ":")
	if m.Upper != "" {
		opts += ",upperdir=" + m.Upper + ",workdir=" + m.Work
	}
	if ctx := contextOption(m.Label); ctx != "" {
		opts += "," + ctx
	}
	return []string{"-o", opts, m.Target}
}

// programEnv is the environment the mount program runs with: the
// caller's, plus FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT, which makes
// fuse-overlayfs write deletions as ".wh.<name>" files (the AUFS form)
// instead of char 0/0 devices. (It marks opaque dirs both ways, a
// ".wh..wh..opq" file and an opaque xattr; normalize drops the xattr.)
func programEnv(environ []string) []string {
	out := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT=") {
			out = append(out, kv)
		}
	}
	return append(out, "FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT=1")
}
