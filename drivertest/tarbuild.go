package drivertest

import (
	"archive/tar"
	"bytes"
	"maps"
	"os"
	"path"
	"testing"
	"time"
)

// Layer tars in the checks are built here with archive/tar, from the
// rules of the canonical form (see checkDiffExact), never with the
// library's own writer: the suite is the spec the writer is held to.

// Whiteout names of the OCI layer format.
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// tarTime is the modification time of hand-built tar entries unless an
// item says otherwise: nanoseconds included, so the PAX mtime record is
// exercised.
var tarTime = time.Unix(1650000000, 444444444)

// epoch is the fixed modification time of whiteouts and opaque markers.
var epoch = time.Unix(0, 0)

// tarItem is one entry of a tar a check builds or expects: a header and,
// for a regular file, its content.
type tarItem struct {
	hdr     tar.Header
	content []byte
}

// owner returns the uid and gid of what the suite creates: root's when
// it runs as root, else its own (an unprivileged ApplyDiff cannot chown).
func owner() (uid, gid int) {
	if privileged() {
		return 0, 0
	}
	return os.Geteuid(), os.Getegid()
}

// newItem returns an item with the canonical defaults: PAX, owned by
// owner(), modified at tarTime.
func newItem(typ byte, name string, mode int64) tarItem {
	uid, gid := owner()
	return tarItem{hdr: tar.Header{
		Typeflag: typ, Name: name, Mode: mode, Uid: uid, Gid: gid,
		ModTime: tarTime, Format: tar.FormatPAX,
	}}
}

// fileItem is a regular file.
func fileItem(name string, content []byte, mode int64) tarItem {
	it := newItem(tar.TypeReg, name, mode)
	it.hdr.Size = int64(len(content))
	it.content = content
	return it
}

// dirItem is a directory; its tar name gets the trailing "/".
func dirItem(name string, mode int64) tarItem {
	return newItem(tar.TypeDir, name+"/", mode)
}

// symlinkItem is a symlink holding target (mode 0777, as Linux has it).
func symlinkItem(name, target string) tarItem {
	it := newItem(tar.TypeSymlink, name, 0o777)
	it.hdr.Linkname = target
	return it
}

// hardlinkItem is a later path of to's inode: to's metadata (mode, owner,
// time, xattrs), no content, Linkname to's name.
func hardlinkItem(name string, to tarItem) tarItem {
	it := to
	it.hdr.Typeflag, it.hdr.Name, it.hdr.Linkname, it.hdr.Size = tar.TypeLink, name, to.hdr.Name, 0
	it.hdr.PAXRecords = maps.Clone(to.hdr.PAXRecords)
	it.content = nil
	return it
}

// fifoItem is a named pipe.
func fifoItem(name string, mode int64) tarItem {
	return newItem(tar.TypeFifo, name, mode)
}

// devItem is a char (tar.TypeChar) or block (tar.TypeBlock) device.
func devItem(typ byte, name string, mode, major, minor int64) tarItem {
	it := newItem(typ, name, mode)
	it.hdr.Devmajor, it.hdr.Devminor = major, minor
	return it
}

// whiteoutItem deletes name in dir ("" for the root): the canonical
// empty regular file dir/.wh.name, 0644, owned by 0:0, at the epoch.
func whiteoutItem(dir, name string) tarItem {
	return markerItem(path.Join(dir, whiteoutPrefix+name))
}

// opaqueItem hides the lower contents of dir: dir/.wh..wh..opq.
func opaqueItem(dir string) tarItem {
	return markerItem(path.Join(dir, opaqueMarker))
}

func markerItem(name string) tarItem {
	return tarItem{hdr: tar.Header{
		Typeflag: tar.TypeReg, Name: name, Mode: 0o644, ModTime: epoch, Format: tar.FormatPAX,
	}}
}

// at returns it modified at mtime.
func (it tarItem) at(mtime time.Time) tarItem {
	it.hdr.ModTime = mtime
	return it
}

// owned returns it owned by uid:gid.
func (it tarItem) owned(uid, gid int) tarItem {
	it.hdr.Uid, it.hdr.Gid = uid, gid
	return it
}

// xattr returns it carrying the xattr key as a SCHILY.xattr record.
func (it tarItem) xattr(key, value string) tarItem {
	return it.pax("SCHILY.xattr."+key, value)
}

// pax returns it with the PAX record key set to value.
func (it tarItem) pax(key, value string) tarItem {
	it.hdr.PAXRecords = maps.Clone(it.hdr.PAXRecords)
	if it.hdr.PAXRecords == nil {
		it.hdr.PAXRecords = map[string]string{}
	}
	it.hdr.PAXRecords[key] = value
	return it
}

// format returns it written in format f (tar.FormatGNU, FormatUSTAR).
func (it tarItem) format(f tar.Format) tarItem {
	it.hdr.Format = f
	return it
}

// buildTar writes items, in order, as a tar archive.
func buildTar(t testing.TB, items ...tarItem) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, it := range items {
		hdr := it.hdr
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatalf("build tar: header %q: %v", it.hdr.Name, err)
		}
		if _, err := tw.Write(it.content); err != nil {
			t.Fatalf("build tar: content of %q: %v", it.hdr.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatalf("build tar: %v", err)
	}
	return buf.Bytes()
}
