package upperdiff

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/layerdiff"
)

// A backend whose layers keep, beside their merged view,
// an upper dir that holds only what the layer changed (an overlay upper,
// an AUFS branch) can diff a layer against its own parent by walking that
// dir alone. The union copies a path up (and every directory above it)
// before changing it, records a deletion as a whiteout and a directory
// made again as an opaque one, so a path the upper dir does not hold is,
// in the layer's merged view, the parent's: the engine's rules give it no
// change. Every path the upper dir holds is judged as the full walk
// judges it (Comparer, on both merged views), so the result, and the tar
// written from the merged view, are byte-identical to the full walk's.
//
// The walk gives up (ErrNotExact) when that equivalence is not certain:
// a hardlinked file anywhere in what the layer touches (upper, or the
// parent's paths it modifies, deletes or hides; rule 3's hardlink groups
// could change for paths the upper dir does not hold), whatever the
// backend's Format refuses, a changed name a tar cannot carry (the
// full walk gives the error), or an upper entry the layer's view lacks.

// ErrNotExact is the upper walk's answer where its result might differ
// from the full walk's: the caller walks both views instead.
var ErrNotExact = errors.New("upperdiff: upper dir walk not exact here")

// Name is one name in a directory of an upper dir, with what lstat
// shows of it that tells whiteouts apart.
type Name struct {
	Name string
	Mode uint32 // st_mode: file type and permission bits
	Rdev uint64 // device number of a device node
}

// Dir is one directory of an upper dir as its backend reads it.
type Dir struct {
	Entries   []string // names of what the layer holds here, sorted
	Whiteouts []string // names the layer deleted from below, sorted
	// Opaque: the lower layers' entries of this directory are hidden.
	Opaque bool
}

// An Format is what a backend knows of its upper dirs: how they
// record deletions and opaque directories, and what in them the walk
// cannot follow. Its methods return ErrNotExact (or any error) to make
// the caller walk both views instead.
//
// A name in both Entries and Whiteouts is the layer's entry over a
// deletion of the lower ones: for a directory, the lower directory's
// entries are hidden as if it were opaque.
type Format interface {
	// ReadDir sorts out directory dir of the upper dir, rel its path from
	// the upper root ("" for the root), given its names sorted by bytes.
	// It also refuses what dir itself carries that the walk cannot follow.
	ReadDir(dir, rel string, names []Name) (Dir, error)
	// Check refuses an entry p of the upper dir other than a whiteout
	// (isDir: a directory) when it carries what the walk cannot follow.
	Check(p string, isDir bool) error
}

// Walk walks upper, the upper dir of a layer in the form f reads,
// against layer and parent, the merged views of the layer and of its own
// parent ("" is ErrNotExact: a layer without parent is all Adds, and the
// full walk of it costs the same). It costs an lstat and an xattr listing
// per upper entry, the Comparer's reads of each path both views hold, and
// a walk of what the layer adds or deletes. The trees must not change
// during the call.
func Walk(upper, layer, parent string, f Format) (*layerdiff.Result, error) {
	if parent == "" {
		return nil, ErrNotExact
	}
	w := &upperWalk{upper: upper, layer: layer, parent: parent, format: f, cmp: layerdiff.NewComparer(layer, parent)}
	if _, err := w.dir("", false); err != nil {
		return nil, fmt.Errorf("upperdiff: walk upper dir %s: %w", upper, err)
	}
	slices.SortFunc(w.res.Changes, func(a, b graphdriver.Change) int { return strings.Compare(a.Path, b.Path) })
	archive.SortEntries(w.res.Entries)
	return &w.res, nil
}

// Native gives layerdiff.Differ a backend's upper walk: upper names the
// upper dir of layer id, and the format it is in, when a diff of id
// against parent (parent "" or id's own) may walk it alone; ok false
// makes Differ walk both views. upper is asked while Differ holds both.
func Native(upper func(id, parent string) (dir string, f Format, ok bool)) layerdiff.Native {
	return func(id, parent, layerDir, parentDir string) (*layerdiff.Result, error) {
		dir, f, ok := upper(id, parent)
		if !ok {
			return nil, ErrNotExact
		}
		return Walk(dir, layerDir, parentDir, f)
	}
}
