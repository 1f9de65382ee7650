package aufs

// What the native walk reads of the trees: lstat results, directory
// listings, and a diff dir's listing sorted into entries, whiteouts and
// the opaque marker. Whether a path changed is naive.Comparer's call, so
// both engines judge a path alike.

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	dents "github.com/layerfs/graphdriver/internal/dirent"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// node is what lstat shows of one entry, as naive's walker keeps it.
type node struct {
	name            string
	mode, uid, gid  uint32
	nlink           uint64
	size, sec, nsec int64
	rdev            uint64
	id              [2]uint64 // dev, inode
}

func (n *node) typ() uint32  { return n.mode & unix.S_IFMT }
func (n *node) isDir() bool  { return n.typ() == unix.S_IFDIR }
func (n *node) isReg() bool  { return n.typ() == unix.S_IFREG }
func (n *node) linked() bool { return !n.isDir() && n.nlink > 1 }

func nodeOf(name string, st *unix.Stat_t) node {
	sec, nsec := st.Mtim.Unix()
	return node{name: name, mode: st.Mode, uid: st.Uid, gid: st.Gid, nlink: uint64(st.Nlink),
		size: st.Size, sec: sec, nsec: nsec, rdev: uint64(st.Rdev), id: [2]uint64{uint64(st.Dev), st.Ino}}
}

// lstatNode lstats p; ok is false when nothing is there.
func lstatNode(p string) (n node, ok bool, err error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return node{}, false, nil
		}
		return node{}, false, &fs.PathError{Op: "lstat", Path: p, Err: err}
	}
	return nodeOf(path.Base(p), &st), true, nil
}

// readNames returns the names in directory dir, sorted by bytes.
func readNames(dir string) ([]string, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	var buf []byte
	names, err := dents.Names(fd, &buf)
	if err != nil {
		return nil, &fs.PathError{Op: "getdents", Path: dir, Err: err}
	}
	slices.Sort(names)
	return names, nil
}

// listNodes returns the entries of directory dir, each as lstat shows it.
func listNodes(dir string) ([]node, error) {
	names, err := readNames(dir)
	if err != nil {
		return nil, err
	}
	nodes := make([]node, len(names))
	for i, name := range names {
		n, ok, err := lstatNode(filepath.Join(dir, name))
		if err == nil && !ok {
			err = errNotNative
		}
		if err != nil {
			return nil, err
		}
		nodes[i] = n
	}
	return nodes, nil
}

// upperListing is one directory of the diff dir, sorted out.
type upperListing struct {
	entries   []string        // names of real entries, sorted
	whiteouts map[string]bool // the names its .wh. files delete
	opaque    bool            // it holds the opaque marker
}

// list reads directory rel of the diff dir, leaving out AUFS's metadata
// at the root. A whiteout or marker that is not a regular file, or a
// malformed whiteout name, is errNotNative (naive's view says what it is).
func (w *nativeWalk) list(rel string) (upperListing, error) {
	names, err := readNames(w.path(w.upper, rel))
	if err != nil {
		return upperListing{}, err
	}
	l := upperListing{whiteouts: map[string]bool{}}
	for _, name := range names {
		if rel == "" && whiteout.IsAUFSMeta(name) {
			continue
		}
		target, isWhiteout, err := whiteout.Target(name)
		marker := whiteout.IsOpaqueMarker(name)
		if err != nil || (strings.HasPrefix(name, whiteout.MetaPrefix) && !marker) {
			return upperListing{}, errNotNative
		}
		if !isWhiteout && !marker {
			l.entries = append(l.entries, name)
			continue
		}
		if n, ok, err := lstatNode(w.path(w.upper, path.Join(rel, name))); err != nil || !ok || !n.isReg() {
			return upperListing{}, errors.Join(err, errNotNative)
		}
		l.opaque = l.opaque || marker
		if isWhiteout {
			l.whiteouts[target] = true
		}
	}
	return l, nil
}
