package archive

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// applier holds the state of one Apply: the root, the cached parent
// directory, and the bookkeeping that the whiteout rules and the final
// directory pass need (one record per directory entry, nothing per file).
type applier struct {
	opts   *ApplyOptions
	lim    Limits
	in     *bufio.Reader // r, buffered: tar reads headers 512 bytes at a time
	tr     *tarStream    // the tar, parsed (see tarstream.go)
	root   *os.File      // the layer root, O_RDONLY|O_DIRECTORY
	rootFD int           // root's descriptor
	buf    *[]byte       // pooled copy buffer

	rootUID, rootGID int // owner of implied directories

	written int64 // regular file content written
	entries int

	// parents caches the parent directories resolved last (see
	// resolve_linux.go).
	parents parentCache
	// dirs holds the final mode and times of every directory entry, set
	// at the end, deepest first.
	dirs map[string]dirMeta
	// dirKids lists the recorded directories right below a path.
	dirKids map[string][]string
	// whiteouts counts whiteouts made, so the AUFS check for a whiteout in
	// the way of a new entry costs nothing in layers without any.
	whiteouts int
	// workers write the content and metadata of regular files (see
	// files_linux.go); nil when Apply runs on one goroutine.
	workers *fileWorkers
	// lowerCopies maps a lower file copied in for a hardlink to the path
	// of its copy, so further links to it link to the copy.
	lowerCopies map[string]string
}

// readBufferSize buffers the tar stream: archive/tar reads each header
// block on its own, which unbuffered costs a read(2) per 512 bytes.
// Content reads of the copy buffer's size go around it.
const readBufferSize = 64 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 128<<10); return &b }}

func apply(root string, r io.Reader, opts *ApplyOptions) (n int64, err error) {
	a, err := newApplier(root, r, opts)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, a.close()) }()
	a.startWorkers()
	err = a.run()
	if werr := a.stopWorkers(); werr != nil {
		err = werr // from an earlier entry than any error of run
	}
	if err != nil {
		return a.written, err
	}
	if err := a.finishDirs(); err != nil {
		return a.written, err
	}
	if _, err := io.Copy(io.Discard, a.in); err != nil {
		return a.written, fmt.Errorf("read past the end of the tar: %w", err)
	}
	return a.written, nil
}

func newApplier(root string, r io.Reader, opts *ApplyOptions) (*applier, error) {
	uid, gid, err := opts.IDMap.RootPair()
	if err != nil {
		return nil, fmt.Errorf("apply to %s: id map has no root: %w", root, err)
	}
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("apply: open layer root: %w", &os.PathError{Op: "open", Path: root, Err: err})
	}
	in := bufio.NewReaderSize(r, readBufferSize)
	return &applier{
		opts:        opts,
		lim:         opts.Limits,
		in:          in,
		tr:          newTarStream(in),
		root:        os.NewFile(uintptr(fd), root),
		rootFD:      fd,
		buf:         bufPool.Get().(*[]byte),
		rootUID:     uid,
		rootGID:     gid,
		dirs:        make(map[string]dirMeta),
		dirKids:     make(map[string][]string),
		lowerCopies: make(map[string]string),
	}, nil
}

func (a *applier) close() error {
	bufPool.Put(a.buf)
	a.forgetParent()
	return a.root.Close()
}

// run applies every entry of the tar.
func (a *applier) run() error {
	last := ""
	for !a.workerFailed() {
		hdr, err := a.tr.Next()
		if errors.Is(err, tar.ErrInsecurePath) {
			err = nil // GODEBUG tarinsecurepath=0: cleanName does the checks
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil && isFormatError(err):
			return fmt.Errorf("read tar after entry %q: %w: %w", last, err, graphdriver.ErrInvalidLayer)
		case err != nil:
			return fmt.Errorf("read tar after entry %q: %w", last, err)
		}
		last = hdr.Name
		if err := a.entry(hdr); err != nil {
			return entryErr(hdr.Name, err)
		}
	}
	return nil // a worker failed: stopWorkers has its error
}

// entry applies one tar entry.
func (a *applier) entry(hdr *tar.Header) error {
	if a.entries++; over(a.entries, a.lim.MaxEntries) {
		return invalid("more than %d entries", a.lim.MaxEntries)
	}
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	if err := checkHeader(hdr, a.lim); err != nil {
		return err
	}
	p, err := cleanName(hdr.Name, a.lim)
	if err != nil {
		return err
	}
	kind, target, err := classify(p)
	if err != nil {
		return err
	}
	if kind != kindPlain {
		return a.special(p, hdr, kind, target)
	}
	xs, err := entryXattrs(hdr, a.lim)
	if err != nil {
		return err
	}
	if err := checkUserXattrs(hdr, xs); err != nil {
		return err
	}
	if p == "" {
		return a.rootEntry(hdr, xs)
	}
	return a.create(p, hdr, xs)
}

// special applies a whiteout, an opaque marker or a skipped entry.
func (a *applier) special(p string, hdr *tar.Header, kind entryKind, target string) error {
	if kind == kindSkip {
		return nil
	}
	// aufs makes whiteouts as hardlinks of one inode: accept those too.
	if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeLink {
		return invalid("whiteout or opaque marker of type %q (want a regular file)", hdr.Typeflag)
	}
	dir, _ := splitPath(p)
	if kind == kindWhiteout {
		return a.whiteout(dir, target)
	}
	return a.opaque(dir)
}

// create makes the entry at the cleaned path p (not the root).
func (a *applier) create(p string, hdr *tar.Header, xs []xattr) error {
	if err := checkType(hdr, a.opts.NoDevices); err != nil {
		return err
	}
	dir, base := splitPath(p)
	dfd, err := a.parentDir(dir)
	if err != nil {
		return err
	}
	e := &newEntry{dfd: dfd, path: p, base: base, hdr: hdr, xattrs: xs}
	if hdr.Typeflag == tar.TypeLink {
		if e.linkTarget, err = a.linkTarget(p, hdr.Linkname); err != nil {
			return err
		}
	}
	isDir := hdr.Typeflag == tar.TypeDir || hdr.Typeflag == typeGNUDumpDir
	isFile := hdr.Typeflag == tar.TypeReg || hdr.Typeflag == tar.TypeGNUSparse || hdr.Typeflag == tar.TypeCont
	// A new file is made with O_EXCL, which reports whatever is in the way
	// (EEXIST): createFile makes room only then, saving an lstat per file.
	// Not where this layer made AUFS whiteouts: one may need clearing.
	e.roomLater = isFile && !(a.opts.Whiteouts == whiteout.AUFS && a.whiteouts > 0)
	if !e.roomLater {
		if e.room, err = a.makeRoom(dfd, p, base, isDir); err != nil {
			return err
		}
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
		return a.createFile(e)
	case tar.TypeDir, typeGNUDumpDir:
		return a.createDir(e)
	case tar.TypeSymlink:
		return a.createSymlink(e)
	case tar.TypeLink:
		return a.createLink(e)
	default: // checkType let through only fifos and devices
		return a.createNode(e)
	}
}

// typeGNUDumpDir is GNU tar's incremental directory entry: a directory
// whose content lists its names, which Apply ignores.
const typeGNUDumpDir = 'D'

// checkType rejects entry types Apply does not make: anything unknown,
// char device 0/0 (an overlay whiteout smuggled in), devices under
// NoDevices, and device numbers a dev_t cannot hold.
func checkType(hdr *tar.Header, noDevices bool) error {
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont, tar.TypeDir, typeGNUDumpDir,
		tar.TypeSymlink, tar.TypeLink, tar.TypeFifo:
		return nil
	case tar.TypeChar, tar.TypeBlock:
	default:
		return invalid("unsupported entry type %q", hdr.Typeflag)
	}
	switch {
	case hdr.Typeflag == tar.TypeChar && hdr.Devmajor == 0 && hdr.Devminor == 0:
		return invalid("char device 0/0 (an overlay whiteout) in a layer tar")
	case noDevices:
		return invalid("device node %d:%d refused (NoDevices)", hdr.Devmajor, hdr.Devminor)
	case hdr.Devmajor < 0 || hdr.Devmajor > 1<<12-1 || hdr.Devminor < 0 || hdr.Devminor > 1<<20-1:
		return invalid("device number %d:%d out of range", hdr.Devmajor, hdr.Devminor)
	}
	return nil
}

// checkUserXattrs refuses user.* xattrs on entries other than regular
// files and directories: Linux refuses them there (EPERM), so only a
// crafted tar carries them.
func checkUserXattrs(hdr *tar.Header, xs []xattr) error {
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont, tar.TypeDir, typeGNUDumpDir, tar.TypeLink:
		return nil
	}
	for _, x := range xs {
		if strings.HasPrefix(x.key, "user.") {
			return invalid("xattr %q on an entry of type %q (Linux keeps user xattrs on files and directories only)", x.key, hdr.Typeflag)
		}
	}
	return nil
}
