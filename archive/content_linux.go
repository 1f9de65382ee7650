package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"

	"golang.org/x/sys/unix"
)

// copyContent writes the entry's content into fd through the pooled
// buffer. archive/tar returns sparse entries expanded, holes as zeros, and
// keeps their map to itself: for those, runs of zero blocks are skipped
// instead of written and a final truncate sets the size, so holes stay
// holes.
func (a *applier) copyContent(fd int, hdr *tar.Header) (int64, error) {
	if !isSparse(hdr) {
		return io.CopyBuffer(fdWriter(fd), struct{ io.Reader }{a.tr}, *a.buf)
	}
	var off int64
	for {
		n, err := io.ReadFull(a.tr, *a.buf)
		if werr := writeNonZero(fd, (*a.buf)[:n], off); werr != nil {
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
	return off, ignoringEINTR(func() error { return unix.Ftruncate(fd, off) })
}

// holeBlock is the granularity of the holes copyContent keeps.
const holeBlock = 4096

// writeNonZero writes b at off, skipping the blocks that are all zeros.
func writeNonZero(fd int, b []byte, off int64) error {
	start := -1 // start of the pending run of data blocks
	flush := func(end int) error {
		if start < 0 {
			return nil
		}
		err := pwriteAll(fd, b[start:end], off+int64(start))
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

// fdWriter writes to a raw descriptor, all of p or an error.
type fdWriter int

func (w fdWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Write(int(w), p[n:])
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return n, err
		case m == 0:
			return n, io.ErrShortWrite
		}
		n += m
	}
	return n, nil
}

// pwriteAll writes all of b at off.
func pwriteAll(fd int, b []byte, off int64) error {
	for len(b) > 0 {
		m, err := unix.Pwrite(fd, b, off)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return err
		case m == 0:
			return io.ErrShortWrite
		}
		b, off = b[m:], off+int64(m)
	}
	return nil
}

// ignoringEINTR retries fn while it is interrupted by a signal.
func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
