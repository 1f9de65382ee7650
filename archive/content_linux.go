package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
)

// copyContent writes the entry's content into f through the pooled
// buffer. archive/tar returns sparse entries expanded, holes as zeros, and
// keeps their map to itself: for those, runs of zero blocks are skipped
// instead of written and a final truncate sets the size, so holes stay
// holes.
func (a *applier) copyContent(f *os.File, hdr *tar.Header) (int64, error) {
	if !isSparse(hdr) {
		return io.CopyBuffer(struct{ io.Writer }{f}, struct{ io.Reader }{a.tr}, *a.buf)
	}
	var off int64
	for {
		n, err := io.ReadFull(a.tr, *a.buf)
		if werr := writeNonZero(f, (*a.buf)[:n], off); werr != nil {
			return off, werr
		}
		off += int64(n)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return off, err
		}
	}
	if off != hdr.Size {
		return off, io.ErrUnexpectedEOF
	}
	return off, f.Truncate(off)
}

// holeBlock is the granularity of the holes copyContent keeps.
const holeBlock = 4096

// writeNonZero writes b at off, skipping the blocks that are all zeros.
func writeNonZero(f *os.File, b []byte, off int64) error {
	start := -1 // start of the pending run of data blocks
	flush := func(end int) error {
		if start < 0 {
			return nil
		}
		_, err := f.WriteAt(b[start:end], off+int64(start))
		start = -1
		return err
	}
	for i := 0; i < len(b); i += holeBlock {
		end := min(i+holeBlock, len(b))
		if !allZero(b[i:end]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if err := flush(i); err != nil {
			return err
		}
	}
	return flush(len(b))
}

// zeroBlock is what allZero compares with (bytes.Equal is vectorized).
var zeroBlock [holeBlock]byte

func allZero(b []byte) bool { return bytes.Equal(b, zeroBlock[:len(b)]) }
