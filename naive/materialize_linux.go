package naive

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// materialize writes the canonical diff entries (Plan of src against its
// parent, in tar order) into the new directory dst in the AUFS form:
// changed paths taken from src, ".wh.<name>" files for whiteouts and
// ".wh..wh..opq" markers for opaque directories. A non-directory whose
// inode own says is private to src is hardlinked (the view is discarded
// afterwards, so nothing is copied); any other is copied, names of one
// inode staying one inode. Directories, the root included, get src's
// metadata once their entries are in.
func materialize(dst, src string, entries []archive.Entry, own func(devIno) bool, copier *cow.Copier) error {
	srcfd, err := unix.Open(src, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("naive: write diff: %w", &os.PathError{Op: "open", Path: src, Err: err})
	}
	defer unix.Close(srcfd)
	if err := os.Mkdir(dst, 0o700); err != nil {
		return fmt.Errorf("naive: write diff: %w", err)
	}
	w := &diffWriter{dst: dst, src: src, srcfd: srcfd, own: own, copier: copier, links: make(map[devIno]string)}
	var dirs []string
	for _, e := range entries {
		var err error
		switch e.Kind {
		case archive.EntryOpaque:
			err = whiteout.MakeOpaque(filepath.Join(dst, e.Path), whiteout.AUFS)
		case archive.EntryWhiteout:
			dir, name := path.Split(e.Path)
			err = whiteout.MakeWhiteout(filepath.Join(dst, dir), name, whiteout.AUFS)
		default:
			var isDir bool
			isDir, err = w.put(e.Path)
			if isDir {
				dirs = append(dirs, e.Path)
			}
		}
		if err != nil {
			return fmt.Errorf("naive: write diff: %w", err)
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		rel := filepath.FromSlash(dirs[i])
		if err := copier.CopyDirMetadata(filepath.Join(dst, rel), filepath.Join(src, rel)); err != nil {
			return err
		}
	}
	return copier.CopyDirMetadata(dst, src)
}

// diffWriter puts paths of the tree src into the new diff dst.
type diffWriter struct {
	dst, src string
	srcfd    int // src, opened once: paths are resolved beneath it
	own      func(devIno) bool
	copier   *cow.Copier
	links    map[devIno]string // copies: the first path made of each inode with several links
}

// put puts the path rel of src into dst and reports whether it is a
// directory (made empty, its metadata comes later). The source is
// reached from src without following any symlink (a view may have been
// written by anyone), so nothing outside src can end up in the diff.
func (w *diffWriter) put(rel string) (bool, error) {
	s, d := filepath.Join(w.src, filepath.FromSlash(rel)), filepath.Join(w.dst, filepath.FromSlash(rel))
	pfd, err := openBeneath(w.srcfd, path.Dir(rel))
	if err != nil {
		return false, &os.PathError{Op: "open", Path: filepath.Dir(s), Err: err}
	}
	defer unix.Close(pfd)
	base := path.Base(rel)
	var st unix.Stat_t
	if err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return false, &os.PathError{Op: "lstat", Path: s, Err: err}
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return true, os.Mkdir(d, 0o700)
	}
	key := devIno{uint64(st.Dev), st.Ino}
	if w.own(key) {
		if err := unix.Linkat(pfd, base, unix.AT_FDCWD, d, 0); err != nil {
			return false, &os.LinkError{Op: "link", Old: s, New: d, Err: err}
		}
		return false, nil
	}
	if st.Nlink > 1 {
		if first, ok := w.links[key]; ok {
			return false, linkNoFollow(first, d)
		}
		w.links[key] = d
	}
	if st.Mode&unix.S_IFMT == unix.S_IFREG {
		return false, w.copier.CopyFile(d, s)
	}
	return false, w.copier.CopyTree(d, s)
}

// openBeneath opens the directory rel beneath the directory dirfd for
// use as a dirfd, refusing a symlink anywhere on the way (openat2
// RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH; before Linux 5.6, O_NOFOLLOW on
// the last component only).
func openBeneath(dirfd int, rel string) (int, error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH}
	fd, err := unix.Openat2(dirfd, rel, &how)
	if errors.Is(err, unix.ENOSYS) {
		fd, err = unix.Openat(dirfd, rel, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	}
	return fd, err
}

// storedEntries lists the AUFS-form diff at root as the entries of its
// layer tar, in tar order, and the bytes of regular file content they
// carry (an inode with several names counted once). A stored diff is
// canonical, so these are the entries Plan gives for the layer against
// its parent.
func storedEntries(root string) ([]archive.Entry, int64, error) {
	s := &storedWalk{root: root, counted: make(map[devIno]bool)}
	if err := s.dir(""); err != nil {
		return nil, 0, err
	}
	archive.SortEntries(s.entries)
	return s.entries, s.size, nil
}

type storedWalk struct {
	root    string
	entries []archive.Entry
	size    int64
	counted map[devIno]bool
	dirents []byte
}

func (s *storedWalk) dir(rel string) error {
	full := filepath.Join(s.root, filepath.FromSlash(rel))
	c := composer{dirents: s.dirents}
	names, err := c.readDir(full)
	s.dirents = c.dirents
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := s.entry(rel, name); err != nil {
			return err
		}
	}
	return nil
}

func (s *storedWalk) entry(rel, name string) error {
	child := path.Join(rel, name)
	if whiteout.IsOpaqueMarker(name) {
		dir := rel
		if dir == "" {
			dir = "."
		}
		s.entries = append(s.entries, archive.Entry{Path: dir, Kind: archive.EntryOpaque})
		return nil
	}
	target, isWhiteout, err := whiteout.Target(name)
	switch {
	case err != nil:
		return fmt.Errorf("naive: read diff %s: %w", filepath.Join(s.root, child), err)
	case isWhiteout:
		s.entries = append(s.entries, archive.Entry{Path: path.Join(rel, target), Kind: archive.EntryWhiteout})
		return nil
	case whiteout.IsAUFSMeta(name):
		return nil
	}
	s.entries = append(s.entries, archive.Entry{Path: child})
	var st unix.Stat_t
	p := filepath.Join(s.root, filepath.FromSlash(child))
	if err := unix.Lstat(p, &st); err != nil {
		return &os.PathError{Op: "lstat", Path: p, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return s.dir(child)
	case unix.S_IFREG:
		key := devIno{uint64(st.Dev), st.Ino}
		if st.Nlink > 1 && s.counted[key] {
			return nil
		}
		s.counted[key] = true
		s.size += st.Size
	}
	return nil
}
