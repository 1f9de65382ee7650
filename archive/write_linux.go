package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	graphdriver "github.com/layerfs/graphdriver"
	xattrs "github.com/layerfs/graphdriver/internal/xattr"
	"golang.org/x/sys/unix"
)

// diskSource reads the EntryPath entries of one Write from the tree at
// root.
type diskSource struct {
	root   string
	rootFD int
	idMap  graphdriver.IDMap
	// links maps an inode with more than one link to the first path
	// written for it.
	links map[inodeID]string
	copy  []byte // file content buffer
	xattr []byte // xattr list and value buffer
}

type inodeID struct{ dev, ino uint64 }

func openSource(root string, idMap graphdriver.IDMap) (pathWriter, error) {
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: root, Err: err}
	}
	return &diskSource{
		root:   root,
		rootFD: fd,
		idMap:  idMap,
		links:  make(map[inodeID]string),
		copy:   make([]byte, 64<<10),
		xattr:  make([]byte, 256),
	}, nil
}

func (s *diskSource) close() error { return unix.Close(s.rootFD) }

// writePath writes the header of rel and, for a regular file, its
// content. A socket writes nothing.
func (s *diskSource) writePath(tw *tar.Writer, rel string) error {
	full := filepath.Join(s.root, rel)
	var st unix.Stat_t
	if err := unix.Lstat(full, &st); err != nil {
		return &fs.PathError{Op: "lstat", Path: rel, Err: err}
	}
	typ := st.Mode & unix.S_IFMT
	if typ == unix.S_IFSOCK {
		return nil
	}
	if first, ok := s.linkTarget(rel, &st); ok {
		return s.writeHardlink(tw, rel, full, &st, first)
	}
	if typ != unix.S_IFREG {
		return s.writeHeader(tw, rel, full, &st)
	}
	fd, err := s.openFile(rel, &st)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := s.writeHeader(tw, rel, full, &st); err != nil {
		return err
	}
	n, err := io.CopyBuffer(tw, io.LimitReader(fdReader(fd), st.Size), s.copy)
	if err != nil {
		return fmt.Errorf("%s: copy content: %w", rel, err)
	}
	if n != st.Size {
		return fmt.Errorf("%s: file shrank while it was read (%d of %d bytes)", rel, n, st.Size)
	}
	return nil
}

// fdReader reads a raw descriptor: an *os.File would try to register the
// non-blocking descriptor with the poller, two wasted syscalls per file.
type fdReader int

func (fd fdReader) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(int(fd), p)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// linkTarget returns the path already written for the inode of a
// non-directory with more than one link, or records rel as its first.
func (s *diskSource) linkTarget(rel string, st *unix.Stat_t) (string, bool) {
	if st.Mode&unix.S_IFMT == unix.S_IFDIR || uint64(st.Nlink) < 2 {
		return "", false
	}
	id := inodeID{dev: uint64(st.Dev), ino: uint64(st.Ino)}
	if first, ok := s.links[id]; ok {
		return first, true
	}
	s.links[id] = rel
	return "", false
}

// openFile opens the regular file rel without following any symlink and
// checks that it is still the inode lstat saw; st becomes its fstat.
func (s *diskSource) openFile(rel string, st *unix.Stat_t) (int, error) {
	// O_NONBLOCK: if rel was swapped for a fifo, open must not wait for a
	// writer.
	flags := unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC
	how := unix.OpenHow{
		Flags:   uint64(flags),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	fd, err := unix.Openat2(s.rootFD, rel, &how)
	if errors.Is(err, unix.ENOSYS) { // before Linux 5.6
		fd, err = unix.Openat(s.rootFD, rel, flags, 0)
	}
	if err != nil {
		return -1, &fs.PathError{Op: "open", Path: rel, Err: err}
	}
	var now unix.Stat_t
	if err := unix.Fstat(fd, &now); err != nil {
		unix.Close(fd)
		return -1, &fs.PathError{Op: "fstat", Path: rel, Err: err}
	}
	if now.Dev != st.Dev || now.Ino != st.Ino || now.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return -1, fmt.Errorf("%s: replaced while it was read", rel)
	}
	*st = now
	return fd, nil
}

func (s *diskSource) writeHeader(tw *tar.Writer, rel, full string, st *unix.Stat_t) error {
	hdr, err := s.header(rel, full, st)
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	return nil
}

// writeHardlink writes rel as a link to first, with the inode's metadata.
func (s *diskSource) writeHardlink(tw *tar.Writer, rel, full string, st *unix.Stat_t, first string) error {
	hdr, err := s.header(rel, full, st)
	if err != nil {
		return err
	}
	hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
	hdr.Devmajor, hdr.Devminor = 0, 0
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	return nil
}

// header builds the canonical header of rel from st (see Write).
func (s *diskSource) header(rel, full string, st *unix.Stat_t) (*tar.Header, error) {
	uid, gid, err := s.idMap.ToContainer(int(st.Uid), int(st.Gid))
	if err != nil {
		return nil, fmt.Errorf("%s: owner %d:%d: %w", rel, st.Uid, st.Gid, err)
	}
	sec, nsec := st.Mtim.Unix()
	hdr := &tar.Header{
		Name:    rel,
		Mode:    int64(st.Mode & 0o7777),
		Uid:     uid,
		Gid:     gid,
		ModTime: time.Unix(sec, nsec),
		Format:  tar.FormatPAX,
	}
	if err := setType(hdr, rel, full, st); err != nil {
		return nil, err
	}
	if err := s.setXattrs(hdr, rel, full); err != nil {
		return nil, err
	}
	return hdr, nil
}

func setType(hdr *tar.Header, rel, full string, st *unix.Stat_t) error {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		hdr.Typeflag, hdr.Name = tar.TypeDir, rel+"/"
	case unix.S_IFREG:
		hdr.Typeflag, hdr.Size = tar.TypeReg, st.Size
	case unix.S_IFLNK:
		target, err := os.Readlink(full)
		if err != nil {
			return &fs.PathError{Op: "readlink", Path: rel, Err: errors.Unwrap(err)}
		}
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
	case unix.S_IFCHR, unix.S_IFBLK:
		hdr.Typeflag = tar.TypeChar
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			hdr.Typeflag = tar.TypeBlock
		}
		rdev := uint64(st.Rdev) // uint32 on some architectures
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(rdev)), int64(unix.Minor(rdev))
	case unix.S_IFIFO:
		hdr.Typeflag = tar.TypeFifo
	default:
		return fmt.Errorf("%s: unknown file type %#o", rel, st.Mode&unix.S_IFMT)
	}
	return nil
}

// setXattrs adds the exported xattrs of full to hdr as SCHILY.xattr
// records (the tar writer sorts the records).
func (s *diskSource) setXattrs(hdr *tar.Header, rel, full string) error {
	keys, err := xattrs.LKeys(full, &s.xattr)
	if err != nil {
		return &fs.PathError{Op: "listxattr", Path: rel, Err: err}
	}
	for _, key := range keys {
		if !ExportedXattr(key) {
			continue
		}
		val, err := xattrs.LValue(full, key, &s.xattr)
		if errors.Is(err, unix.ENODATA) {
			continue // removed since it was listed
		}
		if err != nil {
			return &fs.PathError{Op: "getxattr " + key, Path: rel, Err: err}
		}
		if hdr.PAXRecords == nil {
			hdr.PAXRecords = make(map[string]string)
		}
		hdr.PAXRecords["SCHILY.xattr."+key] = string(val)
	}
	return nil
}
