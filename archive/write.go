package archive

import (
	"archive/tar"
	"fmt"
	"io"
	"path"
	"strings"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/whiteout"
)

// EntryKind says what an Entry writes into a layer tar.
type EntryKind int

const (
	// EntryPath is a path taken from the layer root, of any type: its
	// header (and, for a regular file, its content) comes from the file
	// found there.
	EntryPath EntryKind = iota
	// EntryWhiteout deletes Path: it is written as <dir>/.wh.<base>.
	EntryWhiteout
	// EntryOpaque hides what lower layers hold in the directory Path: it
	// is written as <Path>/.wh..wh..opq, or .wh..wh..opq when Path is ".".
	EntryOpaque
)

// String returns "path", "whiteout" or "opaque".
func (k EntryKind) String() string {
	switch k {
	case EntryPath:
		return "path"
	case EntryWhiteout:
		return "whiteout"
	case EntryOpaque:
		return "opaque"
	}
	return fmt.Sprintf("EntryKind(%d)", int(k))
}

// Entry is one entry of a layer tar to write.
//
// Path is slash-separated, relative to the layer root and clean: no
// leading "/" or "./", no trailing "/", no "." or ".." components. The
// root itself is never an EntryPath nor a whiteout; an EntryOpaque of the
// root has Path ".". No component may start with ".wh." (it would read as
// a whiteout when the tar is applied).
type Entry struct {
	Path string
	Kind EntryKind
}

// WriteOptions are the optional arguments of Write and NewReader.
type WriteOptions struct {
	// IDMap maps the host owners found on disk back to container ids for
	// the headers (IDMap.ToContainer). The zero IDMap writes them as they
	// are; an owner the map does not cover is an error.
	IDMap graphdriver.IDMap
}

// Write writes the layer tar of entries, read from the tree at root, to w
// and ends the archive. It does not close w.
//
// entries must be valid (CheckEntry) and in the order SortEntries gives,
// without duplicates; anything else is an error before anything is
// written. Write never follows a symlink: headers come from lstat, a
// symlink is written as a symlink, and file content is opened beneath
// root with O_NOFOLLOW and no symlink anywhere on the path (openat2
// RESOLVE_NO_SYMLINKS, O_NOFOLLOW alone before Linux 5.6); a file that
// changes type or inode between lstat and open is an error. The tree
// should not change while Write runs. Write streams: memory stays
// constant whatever the file sizes, plus one path per hardlinked inode
// written.
//
// Headers are canonical, so the same tree state gives the same bytes:
// tar.FormatPAX; names relative, directories ending in "/"; Mode holds the
// permission, setuid, setgid and sticky bits; Uid and Gid mapped through
// opts.IDMap, no user or group names; ModTime with nanoseconds (a PAX
// mtime record when they are not zero), no access or change time; xattrs
// as SCHILY.xattr.<key> records, for the keys ExportedXattr accepts. The
// first path of an inode with more than one link is written as a file,
// the later paths of that inode among entries as tar.TypeLink to it.
// Sockets are skipped: a tar cannot hold them. Whiteouts and opaque
// markers get whiteout.Header's fixed AUFS headers (empty regular files,
// mode 0644, owner 0:0, epoch mtime) and are never hardlinks.
//
// On Linux only; elsewhere it returns an error wrapping
// graphdriver.ErrNotSupported.
func Write(w io.Writer, root string, entries []Entry, opts *WriteOptions) error {
	if opts == nil {
		opts = &WriteOptions{}
	}
	src, err := openSource(root, opts.IDMap)
	if err != nil {
		return fmt.Errorf("archive: write %s: %w", root, err)
	}
	err = writeEntries(tar.NewWriter(w), src, entries)
	if closeErr := src.close(); err == nil && closeErr != nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("archive: write %s: %w", root, err)
	}
	return nil
}

// pathWriter writes EntryPath entries from a tree on disk.
type pathWriter interface {
	writePath(tw *tar.Writer, rel string) error
	close() error
}

// writeEntries checks the entries and their order, then writes them and
// ends the archive.
func writeEntries(tw *tar.Writer, src pathWriter, entries []Entry) error {
	if err := checkEntries(entries); err != nil {
		return err
	}
	for _, e := range entries {
		if err := writeEntry(tw, src, e); err != nil {
			return err
		}
	}
	return tw.Close()
}

// checkEntries checks every entry and that they are in canonical order,
// without duplicates, so a misuse writes nothing.
func checkEntries(entries []Entry) error {
	var prev []keyPart
	for i, e := range entries {
		if err := CheckEntry(e); err != nil {
			return err
		}
		key := entryKey(e)
		if i > 0 && compareKeys(prev, key) >= 0 {
			return fmt.Errorf("%s %q after %s %q: entries out of order or repeated (sort them with SortEntries)",
				e.Kind, e.Path, entries[i-1].Kind, entries[i-1].Path)
		}
		prev = key
	}
	return nil
}

func writeEntry(tw *tar.Writer, src pathWriter, e Entry) error {
	if e.Kind == EntryPath {
		return src.writePath(tw, e.Path)
	}
	name := markerName(e)
	if err := tw.WriteHeader(whiteout.Header(name, whiteout.AUFS)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// markerName returns the tar name of a whiteout or opaque entry:
// "a/b" whiteout -> "a/.wh.b", "a" opaque -> "a/.wh..wh..opq", "." opaque
// -> ".wh..wh..opq". For an EntryPath it returns Path.
func markerName(e Entry) string {
	switch e.Kind {
	case EntryWhiteout:
		dir, base := path.Split(e.Path)
		return dir + whiteout.Name(base)
	case EntryOpaque:
		if e.Path == "." {
			return whiteout.OpaqueName
		}
		return e.Path + "/" + whiteout.OpaqueName
	}
	return e.Path
}

// CheckEntry returns an error naming e when Write cannot write it: an
// unknown kind, a path that is not clean and relative, the root as
// anything but an EntryOpaque, or a component starting with ".wh.".
func CheckEntry(e Entry) error {
	bad := func(why string) error { return fmt.Errorf("%s entry %q: %s", e.Kind, e.Path, why) }
	switch {
	case e.Kind < EntryPath || e.Kind > EntryOpaque:
		return bad("unknown kind")
	case e.Path == ".":
		if e.Kind != EntryOpaque {
			return bad("the root is never listed")
		}
		return nil
	case e.Path == "" || strings.ContainsRune(e.Path, 0) || path.IsAbs(e.Path):
		return bad("not a relative path")
	case path.Clean(e.Path) != e.Path || e.Path == ".." || strings.HasPrefix(e.Path, "../"):
		return bad("not a clean path inside the root")
	case strings.Contains("/"+e.Path, "/"+whiteout.Prefix):
		return fmt.Errorf("%s entry %q: a name starting with %q reads as a whiteout: %w",
			e.Kind, e.Path, whiteout.Prefix, graphdriver.ErrInvalidLayer)
	}
	return nil
}

// ExportedXattr reports whether Write carries the extended attribute key
// into a tar: every key except security.selinux (the host's labels, not
// the image's), overlay-internal ones (whiteout.IsOverlayInternalXattr)
// and xfs's trusted.SGI_ACL_FILE and trusted.SGI_ACL_DEFAULT (its on-disk
// form of the POSIX ACLs, which it lists to root next to the
// system.posix_acl_* keys that carry them everywhere).
func ExportedXattr(key string) bool {
	switch key {
	case "security.selinux", "trusted.SGI_ACL_FILE", "trusted.SGI_ACL_DEFAULT":
		return false
	}
	return !whiteout.IsOverlayInternalXattr(key)
}
