package drivertest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// tarEntry is what the checks compare of one tar entry: every field the
// canonical form fixes, as strings that print on one line.
type tarEntry struct {
	Name     string
	Type     string
	Mode     int64
	Owner    string // "uid:gid"
	Size     int64
	Digest   string // sha256 of a regular file's content, shortened
	Linkname string
	Device   string // "major,minor" of a device
	Xattrs   string // SCHILY.xattr records, sorted: key="value"
	ModTime  string
	// Extra lists what a canonical header never carries: user and group
	// names, access and change times, PAX records other than those
	// archive/tar writes for long names, sizes, ids, mtimes and xattrs.
	Extra string
}

var tarTypeNames = map[byte]string{
	tar.TypeReg: "file", tar.TypeDir: "dir", tar.TypeSymlink: "symlink",
	tar.TypeLink: "hardlink", tar.TypeFifo: "fifo", tar.TypeChar: "char", tar.TypeBlock: "block",
}

// String formats e as one line of a listing.
func (e tarEntry) String() string {
	s := fmt.Sprintf("%-8s %04o %s %d %s", e.Type, e.Mode, e.Owner, e.Size, e.Name)
	for _, part := range []struct{ label, value string }{
		{"sha256:", e.Digest}, {"-> ", e.Linkname}, {"dev=", e.Device},
		{"mtime=", e.ModTime}, {"xattrs: ", e.Xattrs}, {"EXTRA: ", e.Extra},
	} {
		if part.value != "" {
			s += "  " + part.label + part.value
		}
	}
	return s
}

// entryOf describes a header and the content that follows it.
func entryOf(hdr *tar.Header, content []byte) tarEntry {
	typ, ok := tarTypeNames[hdr.Typeflag]
	if !ok {
		typ = fmt.Sprintf("type%q", hdr.Typeflag)
	}
	e := tarEntry{
		Name: hdr.Name, Type: typ, Mode: hdr.Mode, Size: hdr.Size, Linkname: hdr.Linkname,
		Owner:   fmt.Sprintf("%d:%d", hdr.Uid, hdr.Gid),
		ModTime: hdr.ModTime.UTC().Format(time.RFC3339Nano),
		Xattrs:  xattrRecords(hdr.PAXRecords),
		Extra:   extraFields(hdr),
	}
	if hdr.Typeflag == tar.TypeReg {
		sum := sha256.Sum256(content)
		e.Digest = hex.EncodeToString(sum[:8])
	}
	if hdr.Typeflag == tar.TypeChar || hdr.Typeflag == tar.TypeBlock {
		e.Device = fmt.Sprintf("%d,%d", hdr.Devmajor, hdr.Devminor)
	}
	return e
}

const schilyXattr = "SCHILY.xattr."

func xattrRecords(records map[string]string) string {
	var parts []string
	for k, v := range records {
		if name, ok := strings.CutPrefix(k, schilyXattr); ok {
			parts = append(parts, fmt.Sprintf("%s=%q", name, v))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// plainPAXRecords are the records archive/tar writes for fields a USTAR
// header cannot hold; they carry nothing a canonical header lacks.
var plainPAXRecords = []string{"path", "linkpath", "size", "uid", "gid", "mtime"}

func extraFields(hdr *tar.Header) string {
	var parts []string
	add := func(cond bool, format string, args ...any) {
		if cond {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	add(hdr.Uname != "", "uname=%q", hdr.Uname)
	add(hdr.Gname != "", "gname=%q", hdr.Gname)
	add(!hdr.AccessTime.IsZero(), "atime=%s", hdr.AccessTime.UTC().Format(time.RFC3339Nano))
	add(!hdr.ChangeTime.IsZero(), "ctime=%s", hdr.ChangeTime.UTC().Format(time.RFC3339Nano))
	var keys []string
	for k := range hdr.PAXRecords {
		if !strings.HasPrefix(k, schilyXattr) && !slices.Contains(plainPAXRecords, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("pax %s=%q", k, hdr.PAXRecords[k]))
	}
	return strings.Join(parts, " ")
}

// entriesOf describes the items a check expects in a tar.
func entriesOf(items []tarItem) []tarEntry {
	out := make([]tarEntry, len(items))
	for i, it := range items {
		out[i] = entryOf(&it.hdr, it.content)
	}
	return out
}

// tarListing is a tar's entries and, for each, the offset where its
// header blocks end, to say in which entry two tars first differ.
type tarListing struct {
	entries   []tarEntry
	headerEnd []int64
}

// readTar lists the entries of a tar archive.
func readTar(data []byte) (tarListing, error) {
	cr := &countingReader{r: bytes.NewReader(data)}
	tr := tar.NewReader(cr)
	var l tarListing
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return l, nil
		}
		if err != nil {
			return l, fmt.Errorf("tar entry %d: %w", len(l.entries), err)
		}
		end := cr.n
		content, err := io.ReadAll(tr)
		if err != nil {
			return l, fmt.Errorf("tar entry %q: %w", hdr.Name, err)
		}
		l.entries = append(l.entries, entryOf(hdr, content))
		l.headerEnd = append(l.headerEnd, end)
	}
}

// entryAt says which part of the archive byte offset off falls in.
func (l tarListing) entryAt(off int64) string {
	for i, e := range l.entries {
		if off < l.headerEnd[i] {
			return fmt.Sprintf("the header of entry %d (%s)", i, e.Name)
		}
		if off < l.headerEnd[i]+roundBlock(e.Size) {
			return fmt.Sprintf("the content of entry %d (%s)", i, e.Name)
		}
	}
	return "the end-of-archive blocks"
}

func roundBlock(n int64) int64 { return (n + 511) / 512 * 512 }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// entryStrings formats entries one per line.
func entryStrings(entries []tarEntry) []string {
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = e.String()
	}
	return lines
}
