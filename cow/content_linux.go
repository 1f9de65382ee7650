package cow

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// method is how a file's content was copied; a file copied in several
// ranges counts by the slowest method any range used.
type method int

const (
	viaNone method = iota // nothing to copy: empty, or only holes
	viaCopyRange
	viaReadWrite
	viaClone
)

// maxChunk bounds one copy_file_range call (the kernel caps it near 2 GiB).
const maxChunk = 1 << 30

// copyContent copies the content of sfd to the new, empty file dfd:
// FICLONE, else copy_file_range, else read and write; a sparse source
// keeps its holes.
func (o *op) copyContent(dfd, sfd int, rel string, st *unix.Stat_t) error {
	if st.Size == 0 {
		return nil
	}
	how, err := o.fill(dfd, sfd, st, o.pair(uint64(st.Dev)))
	if err != nil {
		return o.fail(rel, "copy content", err)
	}
	switch how {
	case viaClone:
		atomic.AddInt64(&o.stats.Reflinked, 1)
	case viaCopyRange:
		atomic.AddInt64(&o.stats.CopyRanged, 1)
	case viaReadWrite:
		atomic.AddInt64(&o.stats.ReadWritten, 1)
	}
	atomic.AddInt64(&o.stats.Bytes, st.Size)
	return nil
}

func (o *op) fill(dfd, sfd int, st *unix.Stat_t, p *pairState) (method, error) {
	if !p.noClone.Load() {
		err := unix.IoctlFileClone(dfd, sfd)
		if err == nil {
			return viaClone, nil
		}
		if !cloneUnsupported(err) {
			return viaNone, fmt.Errorf("clone: %w", err)
		}
		p.noClone.Store(true)
	}
	// Fewer blocks than bytes means holes. A dense file skips the
	// SEEK_DATA/SEEK_HOLE calls: most files are dense.
	if st.Blocks*512 < st.Size {
		return o.copySparse(dfd, sfd, st.Size, p)
	}
	return o.copyRange(dfd, sfd, 0, st.Size, p)
}

// cloneUnsupported reports whether FICLONE cannot work for this pair of
// filesystems at all, as opposed to failing for this file.
func cloneUnsupported(err error) bool {
	return errors.Is(err, unix.EXDEV) || errors.Is(err, unix.EOPNOTSUPP) ||
		errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) ||
		errors.Is(err, unix.ENOTTY)
}

func copyRangeUnsupported(err error) bool {
	return errors.Is(err, unix.EXDEV) || errors.Is(err, unix.EOPNOTSUPP) ||
		errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS)
}

// copySparse sets the size of dfd, so that a hole at the end stays a
// hole, then copies only the data extents of sfd. Setting the size first
// also keeps xfs from preallocating blocks past the end of each extent
// written, which would fill part of the next hole.
func (o *op) copySparse(dfd, sfd int, size int64, p *pairState) (method, error) {
	if err := unix.Ftruncate(dfd, size); err != nil {
		return viaNone, fmt.Errorf("truncate: %w", err)
	}
	how := viaNone
	for off := int64(0); off < size; {
		data, err := unix.Seek(sfd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			break // only a hole is left
		}
		if err != nil {
			return viaNone, fmt.Errorf("seek data: %w", err)
		}
		if data >= size {
			break
		}
		hole, err := unix.Seek(sfd, data, unix.SEEK_HOLE)
		if err != nil {
			return viaNone, fmt.Errorf("seek hole: %w", err)
		}
		hole = min(hole, size)
		h, err := o.copyRange(dfd, sfd, data, hole-data, p)
		if err != nil {
			return viaNone, err
		}
		how = max(how, h)
		off = hole
	}
	return how, nil
}

// copyRange copies n bytes at off with copy_file_range, or with read and
// write where the kernel cannot (then remembered for the pair p).
func (o *op) copyRange(dfd, sfd int, off, n int64, p *pairState) (method, error) {
	end := off + n
	if !p.noCopyRange.Load() {
		for off < end {
			roff, woff := off, off
			w, err := unix.CopyFileRange(sfd, &roff, dfd, &woff, int(min(end-off, maxChunk)), 0)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				if !copyRangeUnsupported(err) {
					return viaNone, fmt.Errorf("copy_file_range: %w", err)
				}
				p.noCopyRange.Store(true)
				break
			}
			if w == 0 {
				break // the source shrank; read/write stops at its end
			}
			off += int64(w)
		}
		if off >= end {
			return viaCopyRange, nil
		}
	}
	return viaReadWrite, o.readWrite(dfd, sfd, off, end)
}

func (o *op) readWrite(dfd, sfd int, off, end int64) error {
	if o.buf == nil {
		o.buf = make([]byte, 256<<10)
	}
	for off < end {
		n, err := unix.Pread(sfd, o.buf[:min(int64(len(o.buf)), end-off)], off)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if n == 0 {
			return nil
		}
		if err := pwriteFull(dfd, o.buf[:n], off); err != nil {
			return err
		}
		off += int64(n)
	}
	return nil
}

func pwriteFull(fd int, b []byte, off int64) error {
	for len(b) > 0 {
		n, err := unix.Pwrite(fd, b, off)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		b, off = b[n:], off+int64(n)
	}
	return nil
}

func reflinkSupported(dir string) (ok bool, err error) {
	fail := func(step string, err error) error {
		return fmt.Errorf("cow: probe reflink in %s: %s: %w", dir, step, err)
	}
	src, err := os.CreateTemp(dir, ".cow-reflink-probe-")
	if err != nil {
		return false, fail("create", err)
	}
	defer func() { err = errors.Join(err, cleanupProbe(src)) }()
	if _, err := src.Write(bytes.Repeat([]byte("reflink probe\n"), 512)); err != nil {
		return false, fail("write", err)
	}
	dst, err := os.CreateTemp(dir, ".cow-reflink-probe-")
	if err != nil {
		return false, fail("create", err)
	}
	defer func() { err = errors.Join(err, cleanupProbe(dst)) }()
	err = unix.IoctlFileClone(int(dst.Fd()), int(src.Fd()))
	if err == nil {
		return true, nil
	}
	if cloneUnsupported(err) {
		return false, nil
	}
	return false, fail("clone", err)
}

func cleanupProbe(f *os.File) error {
	if err := errors.Join(f.Close(), os.Remove(f.Name())); err != nil {
		return fmt.Errorf("cow: remove reflink probe: %w", err)
	}
	return nil
}
