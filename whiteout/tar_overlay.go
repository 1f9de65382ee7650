package whiteout

import "archive/tar"

// decodeOverlay reads one entry of an overlay form; see ConvertTar.
func (c *converter) decodeOverlay(hdr *tar.Header) ([]event, error) {
	k := key(hdr.Name)
	if isDeviceWhiteout(hdr) || c.linksToWhiteout(hdr) {
		return c.overlayWhiteout(k)
	}
	opaque := stripOverlayXattrs(hdr, c.from.OpaqueXattr())
	if hdr.Typeflag != tar.TypeDir {
		return []event{c.ordinary(hdr, k)}, nil
	}
	_, deleted := c.whiteouts[k]
	_, wasOpaque := c.opaque[k]
	if deleted && !opaque {
		// The overlay form reads this as a plain directory that merges
		// with the lower one; the AUFS form would read the whiteout before
		// it as "hide the lower one", and cannot say otherwise.
		return nil, invalid("directory listed after its own whiteout is not opaque")
	}
	ev := c.ordinary(hdr, k)
	if !opaque && !wasOpaque {
		return []event{ev}, nil
	}
	// Once opaque, every header of the directory says so, as in the AUFS
	// form, where the marker holds whatever comes after it.
	c.opaque[k] = struct{}{}
	return []event{ev, {kind: evOpaque, key: k}}, nil
}

// overlayWhiteout is the event of an overlay whiteout of k.
func (c *converter) overlayWhiteout(k string) ([]event, error) {
	if k == "/" {
		return nil, invalid("whiteout of the layer root")
	}
	if _, ok := c.dirs[k]; ok {
		// The overlay form deletes the directory listed before; in the
		// AUFS form a whiteout cannot hide an entry of its own layer.
		return nil, invalid("whiteout of directory %q listed before it", relName(k))
	}
	c.whiteouts[k] = struct{}{}
	return []event{{kind: evWhiteout, key: k}}, nil
}

// isDeviceWhiteout reports whether hdr is an overlay whiteout: a char
// device 0/0.
func isDeviceWhiteout(hdr *tar.Header) bool {
	return hdr.Typeflag == tar.TypeChar && hdr.Devmajor == 0 && hdr.Devminor == 0
}

// linksToWhiteout reports whether hdr is a hardlink to a path this tar
// deleted: in an overlay upper two deleted files can share one 0/0 inode
// (seen on Linux 6.18), and tar writers record the second as a hardlink.
func (c *converter) linksToWhiteout(hdr *tar.Header) bool {
	if hdr.Typeflag != tar.TypeLink {
		return false
	}
	_, ok := c.whiteouts[key(hdr.Linkname)]
	return ok
}

// encodeOverlay writes one event in the overlay form c.to. Directory
// headers are held back one event so that an opaque marker right after
// its directory merges into the directory's header.
func (c *converter) encodeOverlay(ev event) error {
	if ev.kind == evOpaque && c.pending != nil && key(c.pending.Name) == ev.key {
		c.opaque[ev.key] = struct{}{}
		c.pending = withOpaqueXattr(c.pending, c.to)
		return nil
	}
	if err := c.flush(); err != nil {
		return err
	}
	switch ev.kind {
	case evWhiteout:
		return c.write(Header(relName(ev.key), c.to), false)
	case evOpaque:
		return c.lateOpaque(ev.key)
	}
	if err := c.checkOverlayEntry(ev.hdr); err != nil {
		return err
	}
	hdr := ev.hdr
	if hdr.Typeflag != tar.TypeDir {
		return c.write(hdr, true)
	}
	if _, ok := c.opaque[ev.key]; ok {
		hdr = withOpaqueXattr(hdr, c.to)
	}
	c.pending = hdr
	return nil
}

// checkOverlayEntry rejects ordinary entries the overlay form would read
// as whiteouts: a char device 0/0, and a hardlink to a path this tar
// deleted.
func (c *converter) checkOverlayEntry(hdr *tar.Header) error {
	if isDeviceWhiteout(hdr) {
		return invalid("a char device 0/0 cannot be written in the %s form: it reads as a whiteout", c.to)
	}
	if c.linksToWhiteout(hdr) {
		return invalid("hardlink to deleted path %q", hdr.Linkname)
	}
	return nil
}

// lateOpaque makes k opaque when its header went out already or has not
// come yet: it writes k's last header again with the xattr, or a header
// of its own when there was none, and marks k so that a later header of
// k carries the xattr too.
func (c *converter) lateOpaque(k string) error {
	c.opaque[k] = struct{}{}
	hdr, ok := c.dirs[k]
	if !ok {
		hdr = dirHeader(k)
		c.dirs[k] = hdr
	}
	return c.write(withOpaqueXattr(hdr, c.to), false)
}
