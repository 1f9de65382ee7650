package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/whiteout"
)

// invalid returns an error wrapping graphdriver.ErrInvalidLayer; entryErr
// adds the entry's name.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), graphdriver.ErrInvalidLayer)
}

// entryErr names the tar entry an error is about.
func entryErr(name string, err error) error {
	return fmt.Errorf("entry %q: %w", name, err)
}

// cleanName turns a tar name into a path relative to the layer root:
// leading "/" and "./" go, "a//b/" becomes "a/b", "a/../b" becomes "b"
// (lexically, as Docker and containerd do; every later step resolves the
// result inside the root anyway), the root itself is "". A name that
// climbs above the root, holds a NUL or goes over the limits is
// rejected.
func cleanName(name string, lim Limits) (string, error) {
	if over(len(name), lim.MaxPathBytes) {
		return "", invalid("name is %d bytes (limit %d)", len(name), lim.MaxPathBytes)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", invalid("name holds a NUL byte")
	}
	depth := 0
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "", ".":
		case "..":
			if depth--; depth < 0 {
				return "", invalid("path escapes the layer root")
			}
		default:
			depth++
		}
	}
	p := path.Clean("/" + name)[1:]
	if n := strings.Count(p, "/") + 1; p != "" && over(n, lim.MaxPathDepth) {
		return "", invalid("path is %d components deep (limit %d)", n, lim.MaxPathDepth)
	}
	return p, nil
}

// splitPath splits a cleaned path into its directory and last name:
// "a/b/c" -> "a/b", "c"; "c" -> "", "c".
func splitPath(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// joinPath is path.Join for cleaned paths, with "" for the root.
func joinPath(dir, base string) string {
	if dir == "" {
		return base
	}
	return dir + "/" + base
}

// entryKind says what a tar name means once whiteouts are known.
type entryKind int

const (
	kindPlain    entryKind = iota // an entry to create
	kindWhiteout                  // ".wh.x": x is deleted from lower layers
	kindOpaque                    // ".wh..wh..opq": the directory is opaque
	kindSkip                      // AUFS metadata at the root: ignored
)

// classify tells what the cleaned path p means. It returns the target of
// a whiteout. Any component but the last that starts with ".wh." is
// rejected (a whiteout or marker cannot hold entries), except AUFS's own
// directories at the root (".wh..wh.plnk" and the rest), which Docker
// exported from aufs stores and which are skipped with what they hold.
func classify(p string) (entryKind, string, error) {
	if p == "" {
		return kindPlain, "", nil
	}
	dir, base := splitPath(p)
	if first, _, _ := strings.Cut(p, "/"); whiteout.IsAUFSMeta(first) {
		return kindSkip, "", nil
	}
	if dir != "" {
		for _, c := range strings.Split(dir, "/") {
			if strings.HasPrefix(c, whiteout.Prefix) {
				return 0, "", invalid("path goes through whiteout name %q", c)
			}
		}
	}
	if whiteout.IsOpaqueMarker(base) {
		return kindOpaque, "", nil
	}
	if whiteout.IsAUFSMeta(base) {
		return 0, "", invalid("aufs metadata %q below the layer root", base)
	}
	target, ok, err := whiteout.Target(base)
	switch {
	case err != nil:
		return 0, "", err
	case ok:
		return kindWhiteout, target, nil
	}
	return kindPlain, "", nil
}

// checkHeader enforces the per-entry limits and the ranges of numeric
// fields that a syscall would otherwise truncate.
func checkHeader(hdr *tar.Header, lim Limits) error {
	n := len(hdr.Name) + len(hdr.Linkname)
	for k, v := range hdr.PAXRecords {
		n += len(k) + len(v)
	}
	if over(n, lim.MaxHeaderBytes) {
		return invalid("header records are %d bytes (limit %d)", n, lim.MaxHeaderBytes)
	}
	if over(len(hdr.Linkname), lim.MaxPathBytes) {
		return invalid("link target is %d bytes (limit %d)", len(hdr.Linkname), lim.MaxPathBytes)
	}
	if strings.IndexByte(hdr.Linkname, 0) >= 0 {
		return invalid("link target holds a NUL byte")
	}
	if !validID(hdr.Uid) || !validID(hdr.Gid) {
		return invalid("owner %d:%d out of range", hdr.Uid, hdr.Gid)
	}
	if hdr.Size < 0 {
		return invalid("negative size %d", hdr.Size)
	}
	return nil
}

// maxID is the largest uid or gid: (uid_t)-1 means "unchanged" to chown.
const maxID = 1<<32 - 2

func validID(id int) bool { return id >= 0 && int64(id) <= maxID }

// isSparse reports whether hdr is a GNU sparse file, in the old GNU form
// or the PAX one (archive/tar reads both and returns expanded content).
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// isFormatError reports whether err from archive/tar means the tar itself
// is malformed, not that reading it failed.
func isFormatError(err error) bool {
	return errors.Is(err, tar.ErrHeader) || errors.Is(err, tar.ErrFieldTooLong) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}
