package cow

import (
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sys/unix"
)

// copyDirMetadata opens both directories without following symlinks and
// copies src's metadata onto dst in the order the tree copy uses: owner
// (which clears setuid/setgid), mode, xattrs, then times.
func (c *Copier) copyDirMetadata(dst, src string) error {
	o := c.newOp("copy metadata", src, dst)
	const flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	sfd, err := unix.Open(src, flags, 0)
	if err != nil {
		return o.fail("", "open source", err)
	}
	defer unix.Close(sfd)
	dfd, err := unix.Open(dst, flags, 0)
	if err != nil {
		return o.fail("", "open destination", err)
	}
	defer unix.Close(dfd)
	var st unix.Stat_t
	if err := unix.Fstat(sfd, &st); err != nil {
		return o.fail("", "stat source", err)
	}
	if err := unix.Fchown(dfd, int(st.Uid), int(st.Gid)); err != nil {
		return o.fail("", fmt.Sprintf("change owner to %d:%d", st.Uid, st.Gid), err)
	}
	t := target{fd: dfd, dir: -1, path: dst}
	if err := o.chmod("", t, &st); err != nil {
		return err
	}
	if err := o.dropExtraXattrs(source{fd: sfd, path: src}, t); err != nil {
		return err
	}
	if err := o.copyXattrs("", source{fd: sfd, path: src}, t); err != nil {
		return err
	}
	o.timespecs = [2]unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(dfd, "", o.timespecs[:], unix.AT_EMPTY_PATH); err != nil {
		return o.fail("", "set times", err)
	}
	return nil
}

// dropExtraXattrs removes the xattrs dst has and src lacks.
func (o *op) dropExtraXattrs(src source, dst target) error {
	want, err := o.listXattrs(src)
	if err != nil {
		return o.fail("", "list xattrs", err)
	}
	have, err := o.listXattrs(source{fd: dst.fd, path: dst.path})
	if err != nil {
		return o.fail("", "list xattrs of the destination", err)
	}
	for _, key := range have {
		if slices.Contains(want, key) || shadowXattrs[key] {
			continue
		}
		if err := unix.Fremovexattr(dst.fd, key); err != nil && !errors.Is(err, unix.ENODATA) {
			return o.fail("", "remove xattr "+key, err)
		}
	}
	return nil
}
