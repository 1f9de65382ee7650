package archive

import (
	"archive/tar"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"

	"github.com/layerfs/graphdriver/whiteout"
)

// PAX record prefixes that carry xattrs: GNU tar, star, Go and Docker
// write SCHILY.xattr.<name>=<raw value>; bsdtar writes
// LIBARCHIVE.xattr.<url-escaped name>=<base64 value> (often next to the
// SCHILY form of the same xattr).
const (
	schilyPrefix     = "SCHILY.xattr."
	libarchivePrefix = "LIBARCHIVE.xattr."
)

// droppedXattr is never applied from a tar: the label belongs to the host
// that unpacks (SELinux relabels layers itself) and Diff never writes it.
const droppedXattr = "security.selinux"

// xattr is one extended attribute to set.
type xattr struct {
	key   string
	value []byte
}

// entryXattrs returns the xattrs of hdr, sorted by key, from its PAX
// records only (archive/tar mirrors SCHILY records into the deprecated
// Xattrs field). When both forms name one key the LIBARCHIVE one wins: it
// is binary safe. Overlay-internal xattrs are rejected (applied from a tar
// they would forge opaque dirs or redirects); security.selinux is
// dropped.
func entryXattrs(hdr *tar.Header, lim Limits) ([]xattr, error) {
	vals := make(map[string]string)
	libarchive := make(map[string]bool)
	for rec, v := range hdr.PAXRecords {
		key, val, ok, err := recordXattr(rec, v)
		if err != nil {
			return nil, err
		}
		if !ok || (libarchive[key] && strings.HasPrefix(rec, schilyPrefix)) {
			continue
		}
		vals[key] = val
		libarchive[key] = strings.HasPrefix(rec, libarchivePrefix)
	}
	var xs []xattr
	total := 0
	for key, val := range vals {
		switch {
		case key == "" || strings.IndexByte(key, 0) >= 0:
			return nil, invalid("xattr name %q", key)
		case whiteout.IsOverlayInternalXattr(key):
			return nil, invalid("overlay xattr %q in a layer tar", key)
		case key == droppedXattr:
			continue
		}
		total += len(key) + len(val)
		xs = append(xs, xattr{key: key, value: []byte(val)})
	}
	if over(total, lim.MaxXattrBytes) {
		return nil, invalid("xattrs are %d bytes (limit %d)", total, lim.MaxXattrBytes)
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].key < xs[j].key })
	return xs, nil
}

// recordXattr decodes the PAX record rec=v when it carries an xattr.
func recordXattr(rec, v string) (key, val string, ok bool, err error) {
	if key, ok := strings.CutPrefix(rec, schilyPrefix); ok {
		return key, v, true, nil
	}
	esc, ok := strings.CutPrefix(rec, libarchivePrefix)
	if !ok {
		return "", "", false, nil
	}
	key, err = url.PathUnescape(esc)
	if err != nil {
		return "", "", false, invalid("record %q: bad escape in xattr name", rec)
	}
	// libarchive writes base64 without padding; accept it with padding too.
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil {
		return "", "", false, invalid("record %q: bad base64 value", rec)
	}
	return key, string(b), true, nil
}
