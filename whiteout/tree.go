package whiteout

import (
	"fmt"
	"path"
	"strings"
)

// ConvertTree computes, then acts: a Linux walker lists each directory
// (listing), planDir turns the listing into ops without touching the
// disk, and the ops run once the whole tree has been checked.

// entryKind is what a walker saw of a directory entry, as planDir needs it.
type entryKind int

const (
	kindOther          entryKind = iota
	kindRegular                  // a regular file
	kindDir                      // a directory
	kindDeviceWhiteout           // a char device 0/0
)

type dirEntry struct {
	name string
	kind entryKind
}

// listing is one directory of the tree: its key ("/" for the root, see
// key), its entries and whether it carries the opaque xattr of the form
// being converted from.
type listing struct {
	dir     string
	entries []dirEntry
	opaque  bool
}

// opKind is one change ConvertTree makes.
type opKind int

const (
	opWhiteout     opKind = iota // make name's whiteout in the to form, remove the from form
	opDropWhiteout               // remove the AUFS whiteout of name: dir holds name itself
	opOpaque                     // make dir opaque in the to form, remove the from form
	opAddOpaque                  // make dir opaque in the to form (it has no from form)
)

type op struct {
	kind opKind
	dir  string // key of the directory the op works in
	name string // the whiteout's target, for the whiteout ops
}

// planDir returns the ops for the directory l and the names of its
// subdirectories to walk, or an error naming the first malformed entry.
func planDir(l listing, from, to Format) (ops []op, subdirs []string, err error) {
	if from == AUFS {
		return planAUFSDir(l)
	}
	return planOverlayDir(l, to)
}

func planAUFSDir(l listing) (ops []op, subdirs []string, err error) {
	kinds := make(map[string]entryKind, len(l.entries))
	for _, e := range l.entries {
		kinds[e.name] = e.kind
	}
	for _, e := range l.entries {
		switch {
		case l.dir == "/" && IsAUFSMeta(e.name):
			continue // aufs's own, never walked
		case IsAUFSMeta(e.name):
			return nil, nil, entryError(l.dir, e.name, invalid("aufs metadata below the layer root"))
		case IsOpaqueMarker(e.name):
			if e.kind != kindRegular {
				return nil, nil, entryError(l.dir, e.name, invalid("opaque marker is not a regular file"))
			}
			ops = append(ops, op{kind: opOpaque, dir: l.dir})
			continue
		}
		target, ok, err := checkName(e.name)
		switch {
		case err != nil:
			return nil, nil, entryError(l.dir, e.name, err)
		case ok && e.kind != kindRegular:
			return nil, nil, entryError(l.dir, e.name, invalid("whiteout is not a regular file"))
		case ok:
			ops = append(ops, aufsWhiteoutOps(l.dir, target, kinds)...)
		case e.kind == kindDir:
			subdirs = append(subdirs, e.name)
		}
	}
	return ops, subdirs, nil
}

// aufsWhiteoutOps converts the AUFS whiteout of target in dir. A whiteout
// hides lower layers only: next to an entry of its own name it just goes,
// and a directory of that name becomes opaque.
func aufsWhiteoutOps(dir, target string, kinds map[string]entryKind) []op {
	kind, present := kinds[target]
	switch {
	case !present:
		return []op{{kind: opWhiteout, dir: dir, name: target}}
	case kind == kindDir:
		return []op{
			{kind: opDropWhiteout, dir: dir, name: target},
			{kind: opAddOpaque, dir: path.Join(dir, target)},
		}
	}
	return []op{{kind: opDropWhiteout, dir: dir, name: target}}
}

func planOverlayDir(l listing, to Format) (ops []op, subdirs []string, err error) {
	if l.opaque {
		ops = append(ops, op{kind: opOpaque, dir: l.dir})
	}
	for _, e := range l.entries {
		if to == AUFS && strings.HasPrefix(e.name, Prefix) {
			return nil, nil, entryError(l.dir, e.name, invalid("name cannot be written in the aufs form"))
		}
		switch e.kind {
		case kindDeviceWhiteout:
			ops = append(ops, op{kind: opWhiteout, dir: l.dir, name: e.name})
		case kindDir:
			subdirs = append(subdirs, e.name)
		}
	}
	return ops, subdirs, nil
}

// entryError names the entry an error is about, relative to the root.
func entryError(dir, name string, err error) error {
	return fmt.Errorf("%s: %w", relName(path.Join(dir, name)), err)
}
