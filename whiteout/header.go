package whiteout

import (
	"archive/tar"
	"encoding/base64"
	"maps"
	"net/url"
	"path"
	"strings"
	"time"
)

// Canonical permission bits of whiteouts. Together with Header's other
// fixed fields they make the same layer give byte-identical tars.
const (
	// MarkerPerm is the mode of AUFS whiteouts and opaque markers, in tars
	// (Header) and on disk (MakeWhiteout, MakeOpaque): what most image
	// builders write, and readable by the unprivileged tools that scan
	// layers.
	MarkerPerm = 0o644
	// DevicePerm is the mode of overlay whiteouts (char 0/0), in tars and
	// on disk: overlayfs makes its own whiteouts with no permission bits.
	DevicePerm = 0
)

// epoch is the modification time of every whiteout entry: no wall clock,
// so two runs give the same bytes.
var epoch = time.Unix(0, 0).UTC()

// Header returns the canonical tar header of a whiteout or an opaque
// marker at name, the entry's full path in the tar ("a/.wh.x",
// "a/.wh..wh..opq" for AUFS; "a/x" for a whiteout in an overlay form).
//
// For AUFS it is an empty regular file; for Overlay and OverlayUserXattr a
// char device 0/0 (an opaque directory has no entry of its own in the
// overlay forms: it is an xattr on the directory's header). The other
// fields are fixed: mode MarkerPerm (0644) or DevicePerm (0), uid and gid
// 0, no user or group names, ModTime the Unix epoch, no access or change
// time, no xattrs, tar.FormatPAX (which writes a plain USTAR block, since
// nothing needs a PAX record).
func Header(name string, f Format) *tar.Header {
	h := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Mode:     MarkerPerm,
		ModTime:  epoch,
		Format:   tar.FormatPAX,
	}
	if f.isOverlay() {
		h.Typeflag = tar.TypeChar
		h.Mode = DevicePerm
	}
	return h
}

// key returns the form of a tar name used to match entries: cleaned and
// absolute, so "./a/b/", "a//b" and "/a/b" are all "/a/b" and the root
// is "/".
func key(name string) string { return path.Clean("/" + name) }

// relName returns the tar name of a key: "/a/b" -> "a/b", "/" -> ".".
func relName(k string) string {
	if k == "/" {
		return "."
	}
	return k[1:]
}

// components splits a key into its names; the root has none.
func components(k string) []string {
	if k == "/" {
		return nil
	}
	return strings.Split(k[1:], "/")
}

// PAX record prefixes that carry xattrs: GNU tar / Go / Docker write
// SCHILY.xattr.<name>=<value>; bsdtar writes LIBARCHIVE.xattr.<url-escaped
// name>=<base64 value>.
const (
	schilyXattr     = "SCHILY.xattr."
	libarchiveXattr = "LIBARCHIVE.xattr."
)

// recordXattr decodes a PAX record that carries an xattr.
func recordXattr(record, value string) (name, val string, ok bool) {
	if name, ok := strings.CutPrefix(record, schilyXattr); ok {
		return name, value, true
	}
	name, ok = strings.CutPrefix(record, libarchiveXattr)
	if !ok {
		return "", "", false
	}
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(value); err == nil {
			return name, string(b), true
		}
	}
	return name, value, true
}

// stripOverlayXattrs removes every overlay-internal xattr from hdr and
// reports whether one of them was opaqueXattr set to "y" (opaqueXattr ""
// matches nothing).
func stripOverlayXattrs(hdr *tar.Header, opaqueXattr string) (opaque bool) {
	// The reader copies SCHILY.xattr records into the deprecated Xattrs
	// field as well, and the writer would put back from there whatever is
	// deleted from PAXRecords: PAXRecords alone is the truth.
	hdr.Xattrs = nil //lint:ignore SA1019 cleared so the writer cannot re-add dropped xattrs
	for record, value := range hdr.PAXRecords {
		name, val, ok := recordXattr(record, value)
		if !ok || !IsOverlayInternalXattr(name) {
			continue
		}
		if opaqueXattr != "" && name == opaqueXattr && val == opaqueValue {
			opaque = true
		}
		delete(hdr.PAXRecords, record)
	}
	return opaque
}

// withOpaqueXattr returns a copy of the directory header hdr that carries
// the opaque xattr of f.
func withOpaqueXattr(hdr *tar.Header, f Format) *tar.Header {
	c := cloneHeader(hdr)
	if c.PAXRecords == nil {
		c.PAXRecords = make(map[string]string, 1)
	}
	c.PAXRecords[schilyXattr+f.OpaqueXattr()] = opaqueValue
	c.Format = tar.FormatPAX
	return c
}

// cloneHeader copies hdr deeply enough that changing the copy's records
// leaves hdr alone.
func cloneHeader(hdr *tar.Header) *tar.Header {
	c := *hdr
	c.PAXRecords = maps.Clone(hdr.PAXRecords)
	c.Xattrs = nil //lint:ignore SA1019 see stripOverlayXattrs
	return &c
}

// dirHeader returns the header of a directory that the tar implies but
// never listed, for a key made opaque: fixed metadata like Header's, mode
// 0755 as for a layer root.
func dirHeader(k string) *tar.Header {
	return &tar.Header{
		Typeflag: tar.TypeDir,
		Name:     strings.TrimSuffix(relName(k), "/") + "/",
		Mode:     0o755,
		ModTime:  epoch,
		Format:   tar.FormatPAX,
	}
}
