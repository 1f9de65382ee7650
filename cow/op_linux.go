package cow

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// op is the state of one CopyFile, CopyTree or CopyUp call. It is not safe
// for concurrent use; the Copier behind it is.
type op struct {
	c     *Copier
	verb  string // "copy" or "copy up": the first words of every error
	stats *Stats // never nil

	// srcRoot and dstRoot are the paths the entries' rel paths start from;
	// they serve the calls that have no *at form (l*xattr) and the
	// messages about the root.
	srcRoot, dstRoot string
	// base is an O_PATH fd of the directory that holds the destination
	// root, named baseName there; hardlinks are made relative to it.
	base     int
	baseName string
	dstDev   uint64
	// watch is the rel path whose creation watchMade records: the root
	// for a tree, rel for CopyUp. Failures remove what it names.
	watch     string
	watchMade bool
	// stopDev and stopIno identify the destination root: meeting it in
	// the source means the destination lies inside the source.
	stopDev, stopIno uint64

	uid, gid uint32            // the owner the kernel gives what we create
	links    map[devIno]string // rel path of the first copy of each inode with nlink > 1

	lastDev  uint64 // source device of lastPair
	lastPair *pairState

	buf        []byte // read/write copy buffer, allocated on first use
	dirents    []byte // getdents buffer
	xlist      []byte // listxattr buffer
	xval       []byte // getxattr buffer
	timespecs  [2]unix.Timespec
	readlinkTo []byte
}

type devIno struct{ dev, ino uint64 }

// dstDir is an open destination directory and what a new entry made in it
// is owned by before any chown.
type dstDir struct {
	fd     int
	setgid bool   // entries made here take gid, not the creator's group
	gid    uint32 // the directory's group
}

func (c *Copier) newOp(verb, srcRoot, dstRoot string) *op {
	stats := c.opts.Stats
	if stats == nil {
		stats = new(Stats)
	}
	return &op{
		c:       c,
		verb:    verb,
		stats:   stats,
		srcRoot: srcRoot,
		dstRoot: dstRoot,
		base:    -1,
		uid:     uint32(unix.Geteuid()),
		gid:     uint32(unix.Getegid()),
		links:   make(map[devIno]string),
	}
}

// fail wraps err with the path (relative to the roots; the source root
// itself when rel is "") and the step that failed.
func (o *op) fail(rel, step string, err error) error {
	if rel == "" {
		rel = o.srcRoot
	}
	return fmt.Errorf("cow: %s %s: %s: %w", o.verb, rel, step, err)
}

func (o *op) srcPath(rel string) string { return filepath.Join(o.srcRoot, rel) }
func (o *op) dstPath(rel string) string { return filepath.Join(o.dstRoot, rel) }

// made records that the entry rel now exists in the destination.
func (o *op) made(rel string) {
	if rel == o.watch {
		o.watchMade = true
	}
}

// pair returns the fallback state for files on device dev copied to the
// destination, caching the last one: trees rarely span devices.
func (o *op) pair(dev uint64) *pairState {
	if o.lastPair != nil && o.lastDev == dev {
		return o.lastPair
	}
	o.lastDev, o.lastPair = dev, o.c.pair(dev, o.dstDev)
	return o.lastPair
}

func (c *Copier) pair(src, dst uint64) *pairState {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := devPair{src, dst}
	p := c.pairs[k]
	if p == nil {
		p = new(pairState)
		c.pairs[k] = p
	}
	return p
}

// openParent opens the directory holding path with O_PATH (no read
// permission needed) and returns it with the last element of path.
// Symlinks before the last element are followed: the caller chose them.
func openParent(path string) (int, string, error) {
	path = filepath.Clean(path)
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if name == "" { // path is "/"
		name = "/"
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return fd, name, nil
}

// rootExists fails when the destination root dst already exists.
func (o *op) rootExists(dst string) error {
	var st unix.Stat_t
	err := unix.Fstatat(o.base, o.baseName, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == nil {
		return fmt.Errorf("cow: %s %s: destination %s: %w", o.verb, o.srcRoot, dst, os.ErrExist)
	}
	if !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("cow: %s %s: destination %s: %w", o.verb, o.srcRoot, dst, err)
	}
	return nil
}

// removeTree removes a partial copy. Directories that already got a mode
// without write or search permission stop os.RemoveAll when not root, so
// on failure it makes them accessible and tries again.
func removeTree(path string) error {
	if err := os.RemoveAll(path); err == nil {
		return nil
	}
	makeAccessible(path)
	return os.RemoveAll(path)
}

func makeAccessible(path string) {
	fi, err := os.Lstat(path)
	if err != nil || !fi.IsDir() {
		return
	}
	_ = os.Chmod(path, 0o700)
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if e.IsDir() {
			makeAccessible(filepath.Join(path, e.Name()))
		}
	}
}
