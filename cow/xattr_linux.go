package cow

import (
	"errors"
	"strings"

	ixattr "github.com/layerfs/graphdriver/internal/xattr"
	"golang.org/x/sys/unix"
)

// copyXattrs copies every extended attribute listxattr shows on src to
// dst: user.*, trusted.* (listed only to CAP_SYS_ADMIN), security.* and
// system.* (POSIX ACLs). It never follows symlinks.
func (o *op) copyXattrs(rel string, src source, dst target) error {
	keys, err := o.listXattrs(src)
	if err != nil {
		return o.fail(rel, "list xattrs", err)
	}
	for _, key := range keys {
		if shadowXattrs[key] {
			continue
		}
		val, err := o.getXattr(src, key)
		if errors.Is(err, unix.ENODATA) {
			continue // removed since it was listed
		}
		if err != nil {
			return o.fail(rel, "get xattr "+key, err)
		}
		if err := setXattr(dst, key, val); err != nil {
			if o.skipXattr(key, err) {
				continue
			}
			return o.fail(rel, "set xattr "+key, err)
		}
	}
	return nil
}

// shadowXattrs are xfs's on-disk form of the POSIX ACLs, which it lists
// to root next to the system.posix_acl_* keys. The copy sets the ACLs
// through the system.* keys; copying these too would leave junk on other
// filesystems. (libattr's xattr.conf skips them for cp -a.)
var shadowXattrs = map[string]bool{
	"trusted.SGI_ACL_FILE":    true,
	"trusted.SGI_ACL_DEFAULT": true,
}

func (o *op) skipXattr(key string, err error) bool {
	if o.c.opts.Xattrs != XattrsSkipUnsupported {
		return false
	}
	if errors.Is(err, unix.EOPNOTSUPP) {
		return true
	}
	privileged := strings.HasPrefix(key, "trusted.") || strings.HasPrefix(key, "security.")
	return privileged && errors.Is(err, unix.EPERM)
}

// listXattrs returns the keys of src; a filesystem without xattrs has
// none. Most files have none, so this costs one syscall per entry.
func (o *op) listXattrs(src source) ([]string, error) {
	return ixattr.Keys(&o.xlist, func(b []byte) (int, error) { return listXattr(src, b) })
}

// getXattr returns the value of key; the slice is valid until the next
// call.
func (o *op) getXattr(src source, key string) ([]byte, error) {
	n, err := ixattr.Retry(&o.xval, func(b []byte) (int, error) { return getXattr(src, key, b) })
	if err != nil {
		return nil, err
	}
	return o.xval[:n], nil
}

func listXattr(src source, buf []byte) (int, error) {
	if src.fd >= 0 {
		return unix.Flistxattr(src.fd, buf)
	}
	return unix.Llistxattr(src.path, buf)
}

func getXattr(src source, key string, buf []byte) (int, error) {
	if src.fd >= 0 {
		return unix.Fgetxattr(src.fd, key, buf)
	}
	return unix.Lgetxattr(src.path, key, buf)
}

func setXattr(dst target, key string, val []byte) error {
	if dst.fd >= 0 {
		return unix.Fsetxattr(dst.fd, key, val, 0)
	}
	return unix.Lsetxattr(dst.path, key, val, 0)
}
