package naive

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/dirent"
	"github.com/layerfs/graphdriver/internal/layers"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// composer lays the union of AUFS-form layer diffs onto a new directory:
// the merged view a Get returns (copies) or a link farm, the read-only
// stand-in for a merged view that the diff operations walk (hardlinks
// into the diffs, so it costs a link per entry and no data).
type composer struct {
	copier *cow.Copier
	farm   bool              // hardlink non-directories instead of copying them
	links  map[devIno]string // copies: the first path made of each inode with several links
	// seen, when set, records the inode of every non-directory taken
	// from the top layer (a farm's own inodes, see materialize).
	seen    map[devIno]bool
	dirents []byte
}

type devIno struct{ dev, ino uint64 }

// compose makes dst (which must not exist) show the union of the layer
// diffs, topmost first. dst's root gets the metadata of the topmost
// diff's root. On error dst is removed.
func (c *composer) compose(dst string, diffs []string) (err error) {
	if len(diffs) == 0 {
		return errors.New("naive: compose: no layers")
	}
	if c.links == nil {
		c.links = make(map[devIno]string)
	}
	if err := os.Mkdir(dst, 0o700); err != nil {
		return fmt.Errorf("naive: compose: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, layers.RemoveTree(dst))
		}
	}()
	srcs := make([]source, len(diffs))
	for i, d := range diffs {
		srcs[i] = source{dir: d, layer: i}
	}
	if err := c.dir(dst, srcs); err != nil {
		return err
	}
	return c.copier.CopyDirMetadata(dst, diffs[0])
}

// source is one layer's directory that contributes to a merged directory.
type source struct {
	dir   string
	layer int // 0 is the topmost
}

// shown is what the merged directory holds under one name: the entry of
// the topmost layer that has it and, for a directory, every directory of
// that name below it down to the first whiteout, non-directory or opaque
// directory.
type shown struct {
	st     unix.Stat_t
	src    source // where the entry comes from
	hidden bool   // whited out: nothing is shown
	open   bool   // a directory lower layers may still add to
	dirs   []source
}

// listing lists the merged directory made of srcs (topmost first): each
// layer's own entries first, then its whiteouts, which hide the names of
// the layers below; an opaque marker ends the descent.
func (c *composer) listing(srcs []source) (map[string]*shown, error) {
	names := make(map[string]*shown)
	for _, src := range srcs {
		list, err := c.readDir(src.dir)
		if err != nil {
			return nil, err
		}
		var whiteouts []string
		opaque := false
		for _, name := range list {
			if whiteout.IsOpaqueMarker(name) {
				opaque = true
				continue
			}
			target, isWhiteout, err := whiteout.Target(name)
			switch {
			case err != nil:
				return nil, fmt.Errorf("naive: compose %s: %w", filepath.Join(src.dir, name), err)
			case isWhiteout:
				whiteouts = append(whiteouts, target)
				continue
			case whiteout.IsAUFSMeta(name):
				continue
			}
			if err := c.add(names, src, name); err != nil {
				return nil, err
			}
		}
		for _, target := range whiteouts {
			if s, ok := names[target]; !ok {
				names[target] = &shown{hidden: true}
			} else {
				s.open = false
			}
		}
		if opaque {
			break
		}
	}
	return names, nil
}

// add records the entry name of src in names, as the shown entry when no
// upper layer had the name, or as a lower part of a directory shown.
func (c *composer) add(names map[string]*shown, src source, name string) error {
	s, ok := names[name]
	if ok && !s.open {
		return nil
	}
	var st unix.Stat_t
	p := filepath.Join(src.dir, name)
	if err := unix.Lstat(p, &st); err != nil {
		return fmt.Errorf("naive: compose: lstat %s: %w", p, err)
	}
	isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	sub := source{dir: p, layer: src.layer}
	switch {
	case !ok:
		s = &shown{st: st, src: sub, open: isDir}
		if isDir {
			s.dirs = []source{sub}
		}
		names[name] = s
	case isDir:
		s.dirs = append(s.dirs, sub)
	default:
		s.open = false // a lower non-directory ends the lower parts
	}
	return nil
}

// dir fills the new directory dst with the merged directory of srcs.
// Directories get their metadata once their entries are in (making
// entries changes a directory's times).
func (c *composer) dir(dst string, srcs []source) error {
	names, err := c.listing(srcs)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		s := names[name]
		if s.hidden {
			continue
		}
		target := filepath.Join(dst, name)
		if s.st.Mode&unix.S_IFMT != unix.S_IFDIR {
			if err := c.place(target, s); err != nil {
				return err
			}
			continue
		}
		if err := os.Mkdir(target, 0o700); err != nil {
			return fmt.Errorf("naive: compose: %w", err)
		}
		if err := c.dir(target, s.dirs); err != nil {
			return err
		}
		if err := c.copier.CopyDirMetadata(target, s.src.dir); err != nil {
			return err
		}
	}
	return nil
}

// place makes the non-directory dst from s: a hardlink into the diff for
// a farm, else a copy (reflinked where the filesystem can), a hardlink to
// the first copy of an inode with several links.
func (c *composer) place(dst string, s *shown) error {
	key := devIno{uint64(s.st.Dev), s.st.Ino}
	if c.seen != nil && s.src.layer == 0 {
		c.seen[key] = true
	}
	if c.farm {
		return linkNoFollow(s.src.dir, dst)
	}
	if s.st.Nlink > 1 {
		if first, ok := c.links[key]; ok {
			return linkNoFollow(first, dst)
		}
		c.links[key] = dst
	}
	if s.st.Mode&unix.S_IFMT == unix.S_IFREG {
		return c.copier.CopyFile(dst, s.src.dir)
	}
	return c.copier.CopyTree(dst, s.src.dir) // a symlink, fifo, socket or device
}

func (c *composer) readDir(dir string) ([]string, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("naive: compose: open %s: %w", dir, err)
	}
	defer unix.Close(fd)
	names, err := dirent.Names(fd, &c.dirents)
	if err != nil {
		return nil, fmt.Errorf("naive: compose: read %s: %w", dir, err)
	}
	return names, nil
}

// linkNoFollow makes dst another name of src; a symlink src is linked
// itself, not followed.
func linkNoFollow(src, dst string) error {
	if err := unix.Linkat(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, 0); err != nil {
		return &os.LinkError{Op: "naive: link", Old: src, New: dst, Err: err}
	}
	return nil
}
