package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"
)

// tarStream reads a layer tar for Apply: Next and Read as archive/tar's
// Reader. It parses the headers real layers are made of itself (USTAR
// and GNU blocks, PAX extended records, GNU long names), which costs a
// fraction of archive/tar's parse (that one scans every USTAR block for
// non-ASCII bytes rune by rune and allocates every string field; on a
// 20,000-file layer its parse was a third of Apply's main goroutine).
//
// Anything else (sparse files, global PAX headers, base-256 numbers,
// V7 and star blocks, end-of-archive blocks, anything malformed) hands
// the stream over to archive/tar for the rest of the archive: the blocks
// of the entry read so far are replayed to a tar.Reader ahead of the
// remaining stream. So every decision the fast path does not take is
// archive/tar's, with its errors, and the fast path is held to give what
// archive/tar gives for the fields Apply uses (a differential fuzz test).
type tarStream struct {
	in    *bufio.Reader
	gotar *tar.Reader // set once the stream is handed over
	nb    int64       // content bytes of the current entry not yet read
	pad   int64       // padding after them
	raw   []byte      // blocks of the entry being parsed, for a handover
	err   error       // sticky: the stream failed
}

func newTarStream(in *bufio.Reader) *tarStream { return &tarStream{in: in} }

// maxSpecialSize caps a PAX record block or a GNU long name, as
// archive/tar does (it fails with ErrFieldTooLong beyond).
const maxSpecialSize = 1 << 20

// Next advances to the next entry (see tar.Reader.Next).
func (s *tarStream) Next() (*tar.Header, error) {
	if s.gotar != nil {
		return s.gotar.Next()
	}
	if s.err != nil {
		return nil, s.err
	}
	if err := s.skipRest(); err != nil {
		s.err = err
		return nil, err
	}
	s.raw = s.raw[:0]
	var pax map[string]string
	var longName, longLink string
	for {
		blk, err := s.in.Peek(blockSize)
		if err != nil {
			return s.handOver() // a short or missing block: archive/tar says what it is
		}
		hdr, ok := parseBlock(blk)
		if !ok {
			return s.handOver()
		}
		s.raw = append(s.raw, blk...)
		if _, err := s.in.Discard(blockSize); err != nil {
			return nil, s.fail(err)
		}
		switch hdr.Typeflag {
		case tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
			data, ok, err := s.special(hdr.Size)
			if err != nil || !ok {
				return s.handOverAfter(err)
			}
			switch hdr.Typeflag {
			case tar.TypeXHeader:
				if pax, ok = parsePAXRecords(data); !ok {
					return s.handOver()
				}
			case tar.TypeGNULongName:
				longName = cString(data)
			default:
				longLink = cString(data)
			}
			continue
		case tar.TypeReg, typeRegA, tar.TypeLink, tar.TypeSymlink, tar.TypeChar,
			tar.TypeBlock, tar.TypeDir, tar.TypeFifo, tar.TypeCont:
		default:
			return s.handOver() // global headers, sparse and other GNU types
		}
		if !mergePAXRecords(hdr, pax) {
			return s.handOver()
		}
		if longName != "" {
			hdr.Name = longName
		}
		if longLink != "" {
			hdr.Linkname = longLink
		}
		if hdr.Typeflag == typeRegA {
			hdr.Typeflag = tar.TypeReg
			if strings.HasSuffix(hdr.Name, "/") {
				hdr.Typeflag = tar.TypeDir // old archives mark directories so
			}
		}
		s.nb = hdr.Size
		if headerOnly(hdr.Typeflag) {
			s.nb = 0 // archive/tar ignores the size of these
		}
		if s.nb < 0 {
			return s.handOver()
		}
		s.pad = -s.nb & (blockSize - 1)
		return hdr, nil
	}
}

// Read reads the current entry's content (see tar.Reader.Read).
func (s *tarStream) Read(p []byte) (int, error) {
	if s.gotar != nil {
		return s.gotar.Read(p)
	}
	if s.err != nil {
		return 0, s.err
	}
	if s.nb == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.nb {
		p = p[:s.nb]
	}
	n, err := s.in.Read(p)
	s.nb -= int64(n)
	switch {
	case err == io.EOF && s.nb > 0:
		return n, s.fail(io.ErrUnexpectedEOF)
	case err != nil && err != io.EOF:
		return n, s.fail(err)
	case s.nb == 0:
		return n, io.EOF
	}
	return n, nil
}

const blockSize = 512

// typeRegA is the type byte of a regular file in pre-POSIX tars (NUL);
// archive/tar reads it as TypeReg, or TypeDir for a name ending in "/".
const typeRegA = '\x00'

func (s *tarStream) fail(err error) error {
	s.err = err
	return err
}

// skipRest discards what is left of the current entry: content cut short
// is an unexpected EOF, padding cut short the end of the archive (as
// archive/tar has it).
func (s *tarStream) skipRest() error {
	if n, err := s.in.Discard(int(s.nb)); int64(n) < s.nb {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if n, err := s.in.Discard(int(s.pad)); int64(n) < s.pad {
		return err
	}
	s.nb, s.pad = 0, 0
	return nil
}

// special reads the content and padding of a PAX or long-name entry into
// raw and returns the content; ok is false when it is over the size
// archive/tar accepts.
func (s *tarStream) special(size int64) ([]byte, bool, error) {
	if size < 0 || size > maxSpecialSize {
		return nil, false, nil
	}
	start := len(s.raw)
	padded := int(size + (-size & (blockSize - 1)))
	s.raw = append(s.raw, make([]byte, padded)...)
	n, err := io.ReadFull(s.in, s.raw[start:])
	s.raw = s.raw[:start+n]
	if err != nil {
		return nil, false, err
	}
	return s.raw[start : start+int(size)], true, nil
}

// handOver gives the rest of the archive to archive/tar, starting with
// the blocks of the entry read so far, and returns its Next.
func (s *tarStream) handOver() (*tar.Header, error) {
	replay := bytes.Clone(s.raw)
	s.gotar = tar.NewReader(io.MultiReader(bytes.NewReader(replay), s.in))
	s.raw = nil
	return s.gotar.Next()
}

// handOverAfter hands over after a read error in the middle of an
// entry's special content: archive/tar meets the same end of stream.
func (s *tarStream) handOverAfter(err error) (*tar.Header, error) {
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, s.fail(err)
	}
	return s.handOver()
}

// headerOnly reports the entry types whose size archive/tar ignores.
func headerOnly(typ byte) bool {
	switch typ {
	case tar.TypeLink, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeDir, tar.TypeFifo:
		return true
	}
	return false
}

// parseBlock parses a USTAR or GNU header block with a valid checksum
// and plain octal numbers; ok is false for anything else.
func parseBlock(b []byte) (*tar.Header, bool) {
	chk, ok := octal(b[148:156])
	if !ok || !checksumMatches(b, chk) {
		return nil, false
	}
	magic, version := string(b[257:263]), string(b[263:265])
	gnu := magic == "ustar " && version == " \x00"
	if !gnu && (magic != "ustar\x00" || string(b[508:512]) == "tar\x00") {
		return nil, false // V7, star, unknown: archive/tar's
	}
	hdr := &tar.Header{Typeflag: b[156], Name: cString(b[0:100]), Linkname: cString(b[157:257])}
	var mtime int64
	for _, f := range []struct {
		field []byte
		dst   *int64
	}{{b[100:108], &hdr.Mode}, {b[124:136], &hdr.Size}, {b[136:148], &mtime}, {b[329:337], &hdr.Devmajor}, {b[337:345], &hdr.Devminor}} {
		if *f.dst, ok = octal(f.field); !ok {
			return nil, false
		}
	}
	uid, ok1 := octal(b[108:116])
	gid, ok2 := octal(b[116:124])
	if !ok1 || !ok2 {
		return nil, false
	}
	hdr.Uid, hdr.Gid, hdr.ModTime = int(uid), int(gid), time.Unix(mtime, 0)
	if gnu {
		return hdr, gnuTimes(hdr, b)
	}
	if prefix := cString(b[345:500]); prefix != "" {
		hdr.Name = prefix + "/" + hdr.Name
	}
	return hdr, true
}

// gnuTimes sets the access and change times of a GNU block. A field that
// does not parse is archive/tar's business (it then reads the block as
// written by old Go versions).
func gnuTimes(hdr *tar.Header, b []byte) bool {
	for _, f := range []struct {
		field []byte
		dst   *time.Time
	}{{b[345:357], &hdr.AccessTime}, {b[357:369], &hdr.ChangeTime}} {
		if f.field[0] == 0 {
			continue
		}
		v, ok := octal(f.field)
		if !ok {
			return false
		}
		*f.dst = time.Unix(v, 0)
	}
	return true
}

// checksumMatches reports whether chk is the block's checksum: the sum
// of its bytes with the checksum field as spaces, unsigned or (as some
// old tars wrote it) signed.
func checksumMatches(b []byte, chk int64) bool {
	var unsigned, signed int64
	for i, c := range b[:blockSize] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return chk == unsigned || chk == signed
}

// octal parses a numeric field: octal digits, padded on either side with
// spaces and NULs, cut at a NUL inside; empty is 0. Base-256 fields (top
// bit set) and anything else are not ok.
func octal(field []byte) (int64, bool) {
	if len(field) > 0 && field[0]&0x80 != 0 {
		return 0, false
	}
	t := bytes.Trim(field, " \x00")
	if i := bytes.IndexByte(t, 0); i >= 0 {
		t = t[:i]
	}
	var v int64
	for _, c := range t {
		if c < '0' || c > '7' || v > 1<<58 {
			return 0, false
		}
		v = v<<3 | int64(c-'0')
	}
	return v, true
}

// cString returns b up to its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// parsePAXRecords parses extended header records, "<len> <key>=<value>\n"
// each, len counting the whole record. ok is false for anything
// malformed, a NUL where POSIX forbids it, and GNU sparse records.
func parsePAXRecords(data []byte) (map[string]string, bool) {
	recs := make(map[string]string)
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp <= 0 || sp > 19 {
			return nil, false
		}
		n, err := strconv.Atoi(string(data[:sp]))
		if err != nil || n <= sp+1 || n > len(data) || data[0] == '0' || data[0] == '+' || data[0] == '-' || data[n-1] != '\n' {
			return nil, false
		}
		k, v, found := strings.Cut(string(data[sp+1:n-1]), "=")
		if !found || k == "" || strings.HasPrefix(k, "GNU.sparse.") || strings.IndexByte(k, 0) >= 0 {
			return nil, false
		}
		if (k == "path" || k == "linkpath" || k == "uname" || k == "gname") && strings.IndexByte(v, 0) >= 0 {
			return nil, false
		}
		recs[k] = v
		data = data[n:]
	}
	return recs, true
}

// mergePAXRecords applies the records Apply reads to hdr and keeps all
// of them in hdr.PAXRecords. An empty value keeps the block's value.
func mergePAXRecords(hdr *tar.Header, recs map[string]string) bool {
	for k, v := range recs {
		if v == "" {
			continue
		}
		var ok = true
		switch k {
		case "path":
			hdr.Name = v
		case "linkpath":
			hdr.Linkname = v
		case "uid":
			hdr.Uid, ok = decimal(v)
		case "gid":
			hdr.Gid, ok = decimal(v)
		case "size":
			var n int
			n, ok = decimal(v)
			hdr.Size = int64(n)
		case "mtime":
			hdr.ModTime, ok = paxTime(v)
		case "atime":
			hdr.AccessTime, ok = paxTime(v)
		case "ctime":
			hdr.ChangeTime, ok = paxTime(v)
		}
		if !ok {
			return false
		}
	}
	if recs != nil {
		hdr.PAXRecords = recs
	}
	return true
}

// decimal parses a plain non-negative decimal number.
func decimal(s string) (int, bool) {
	if s == "" || len(s) > 18 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// paxTime parses "<seconds>[.<fraction>]", non-negative, to the
// nanosecond (further digits are cut, as archive/tar does).
func paxTime(s string) (time.Time, bool) {
	secs, frac, _ := strings.Cut(s, ".")
	sec, ok := decimal(secs)
	if !ok || strings.Trim(frac, "0123456789") != "" {
		return time.Time{}, false
	}
	frac = (frac + "000000000")[:9]
	nsec, _ := strconv.Atoi(frac)
	return time.Unix(int64(sec), int64(nsec)), true
}
