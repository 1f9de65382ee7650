package whiteout

import (
	"archive/tar"
	"fmt"
	"path"
	"strings"
)

// decodeAUFS reads one entry of the AUFS form; see ConvertTar.
func (c *converter) decodeAUFS(hdr *tar.Header) ([]event, error) {
	k := key(hdr.Name)
	names := components(k)
	if len(names) > 0 && IsAUFSMeta(names[0]) {
		return nil, nil // aufs's own, with everything under it
	}
	if err := checkDirNames(names); err != nil {
		return nil, err
	}
	base := path.Base(k)
	switch {
	case IsOpaqueMarker(base):
		if !isMarkerType(hdr) {
			return nil, invalid("opaque marker is a %s, not a regular file", typeName(hdr.Typeflag))
		}
		return []event{{kind: evOpaque, key: path.Dir(k)}}, nil
	case IsAUFSMeta(base):
		return nil, invalid("aufs metadata %q below the layer root", base)
	}
	target, ok, err := checkName(base)
	if err != nil {
		return nil, err
	}
	if ok {
		if !isMarkerType(hdr) {
			return nil, invalid("whiteout is a %s, not a regular file", typeName(hdr.Typeflag))
		}
		return []event{c.aufsWhiteout(path.Join(path.Dir(k), target))}, nil
	}
	if err := checkAUFSLink(hdr); err != nil {
		return nil, err
	}
	stripOverlayXattrs(hdr, "")
	_, deleted := c.whiteouts[k]
	ev := c.ordinary(hdr, k)
	if deleted && hdr.Typeflag == tar.TypeDir {
		// Listed after its own whiteout: the directory stays and only what
		// lower layers hold in it goes.
		return []event{ev, {kind: evOpaque, key: k}}, nil
	}
	return []event{ev}, nil
}

// aufsWhiteout is the event of an AUFS whiteout of k: an opaque directory
// when this tar already listed k as a directory (a whiteout hides lower
// layers only), a whiteout otherwise.
func (c *converter) aufsWhiteout(k string) event {
	if _, ok := c.dirs[k]; ok {
		return event{kind: evOpaque, key: k}
	}
	c.whiteouts[k] = struct{}{}
	return event{kind: evWhiteout, key: k}
}

// encodeAUFS writes one event in the AUFS form.
func (c *converter) encodeAUFS(ev event) error {
	if err := checkAUFSNames(ev.key); err != nil {
		return err
	}
	switch ev.kind {
	case evWhiteout:
		dir, base := path.Split(ev.key)
		return c.write(Header(relName(dir+Name(base)), AUFS), false)
	case evOpaque:
		return c.write(Header(relName(path.Join(ev.key, OpaqueName)), AUFS), false)
	}
	if err := checkAUFSLink(ev.hdr); err != nil {
		return err
	}
	return c.write(ev.hdr, true)
}

// isMarkerType reports whether an entry with a whiteout or marker name has
// a type the AUFS form allows: a regular file, or a hardlink (aufs makes
// whiteouts as hardlinks of one inode, and tar writers keep that).
func isMarkerType(hdr *tar.Header) bool {
	return hdr.Typeflag == tar.TypeReg || hdr.Typeflag == tar.TypeLink
}

// checkDirNames rejects a path that goes through a directory with a
// whiteout or reserved name: appliers would take that directory for a
// whiteout.
func checkDirNames(names []string) error {
	for i := 0; i+1 < len(names); i++ {
		if strings.HasPrefix(names[i], Prefix) {
			return invalid("path goes through %q, a whiteout name", names[i])
		}
	}
	return nil
}

// checkAUFSLink rejects hardlinks whose target the AUFS form gives another
// meaning: a whiteout or marker (the link would be a file that hides
// another) or AUFS metadata (dropped, so the link would dangle).
func checkAUFSLink(hdr *tar.Header) error {
	if hdr.Typeflag != tar.TypeLink {
		return nil
	}
	names := components(key(hdr.Linkname))
	if len(names) > 0 && IsAUFSMeta(names[0]) {
		return invalid("hardlink into aufs metadata %q", hdr.Linkname)
	}
	for _, n := range names {
		if strings.HasPrefix(n, Prefix) {
			return invalid("hardlink to whiteout %q", hdr.Linkname)
		}
	}
	return nil
}

// checkAUFSNames rejects a path the AUFS form cannot hold: any name in it
// that starts with ".wh." would read back as a whiteout or marker.
func checkAUFSNames(k string) error {
	for _, n := range components(k) {
		if strings.HasPrefix(n, Prefix) {
			return invalid("name %q cannot be written in the aufs form", n)
		}
	}
	return nil
}

// typeName names a tar type flag for messages.
func typeName(flag byte) string {
	switch flag {
	case tar.TypeReg:
		return "regular file"
	case tar.TypeLink:
		return "hardlink"
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeChar:
		return "char device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeDir:
		return "directory"
	case tar.TypeFifo:
		return "fifo"
	}
	return fmt.Sprintf("entry of type %q", flag)
}
