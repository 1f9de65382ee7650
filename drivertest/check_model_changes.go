package drivertest

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/layerfs/graphdriver"
)

func isUnder(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// genRename renames a file or directory to a free path or onto an
// existing entry rename(2) may replace: a non-directory of another inode
// for a non-directory, an empty directory for a directory. Never into
// the source itself.
func (m *modelRun) genRename(v modelView) (modelOp, bool) {
	var sources []string
	for _, p := range m.writable(v.paths) {
		if !m.lossy.dirs[p] {
			sources = append(sources, p)
		}
	}
	if len(sources) == 0 {
		return modelOp{}, false
	}
	src := pick(m, sources)
	dst, ok := m.renameTarget(v, src)
	if !ok {
		return modelOp{}, false
	}
	return modelOp{fmt.Sprintf("rename %s to %s", src, dst), Rename(src, dst), []string{src, dst}}, true
}

func (m *modelRun) renameTarget(v modelView, src string) (string, bool) {
	isDir := v.tree[src].Type == TypeDir
	if m.rnd.IntN(3) == 0 {
		if targets := m.changeable(replaceable(v, src, isDir)); len(targets) > 0 {
			return pick(m, targets), true
		}
	}
	for range 4 {
		dst := m.newPath(v)
		if !isDir || !isUnder(dst, src) {
			return dst, true
		}
	}
	return "", false
}

// replaceable lists the existing entries rename(2) can replace src with.
func replaceable(v modelView, src string, isDir bool) []string {
	var out []string
	group := v.tree[src].LinkGroup
	for _, p := range v.paths {
		e := v.tree[p]
		switch {
		case p == src || isUnder(p, src):
		case isDir && e.Type == TypeDir && isEmptyDir(v, p):
			out = append(out, p)
		case !isDir && e.Type != TypeDir && (group == "" || e.LinkGroup != group):
			out = append(out, p)
		}
	}
	return out
}

func isEmptyDir(v modelView, dir string) bool {
	return !slices.ContainsFunc(v.paths, func(p string) bool { return strings.HasPrefix(p, dir+"/") })
}

// expectedChanges is what Changes must list for a layer whose parent's
// tree is parent and whose own is layer, by the canonical rules (see
// package layerdiff's doc): an entry only in the layer is an Add; one only
// in the parent is a Delete when its directory is still a directory (so
// a removed subtree is one Delete, and a directory replaced by a file
// gives none); one in both is a Modify when its type, mode, owner,
// content, target, device, xattrs, mtime or set of hardlinks differ, and
// a directory also when anything below it changed. The root is never
// listed.
func expectedChanges(parent, layer Tree) []graphdriver.Change {
	kinds := map[string]graphdriver.ChangeKind{}
	for _, p := range unionPaths(parent, layer) {
		_, inParent := parent[p]
		_, inLayer := layer[p]
		switch {
		case p == ".":
		case !inParent:
			kinds[p] = graphdriver.ChangeAdd
		case !inLayer:
			if layer[path.Dir(p)].Type == TypeDir {
				kinds[p] = graphdriver.ChangeDelete
			}
		case entryChanged(parent, layer, p):
			kinds[p] = graphdriver.ChangeModify
		}
	}
	for p := range kinds {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			if _, ok := kinds[dir]; !ok {
				kinds[dir] = graphdriver.ChangeModify
			}
		}
	}
	changes := make([]graphdriver.Change, 0, len(kinds))
	for p, k := range kinds {
		changes = append(changes, graphdriver.Change{Path: "/" + p, Kind: k})
	}
	slices.SortFunc(changes, func(a, b graphdriver.Change) int { return strings.Compare(a.Path, b.Path) })
	return changes
}

// entryChanged compares path p, present in both trees. Content counts
// through its digest: every write in a layer moves the file's mtime to
// the layer's time, so a content change always comes with an mtime or
// size change, which is all a backend has to see it by.
func entryChanged(parent, layer Tree, p string) bool {
	a, b := parent[p], layer[p]
	if a.Type != b.Type || a.Mode != b.Mode || a.UID != b.UID || a.GID != b.GID ||
		a.Size != b.Size || a.Digest != b.Digest || a.Target != b.Target ||
		a.Major != b.Major || a.Minor != b.Minor || !a.ModTime.Equal(b.ModTime) ||
		!slices.Equal(a.Xattrs, b.Xattrs) {
		return true
	}
	return a.Type != TypeDir && !slices.Equal(linkSet(parent, p), linkSet(layer, p))
}

// linkSet is the sorted set of paths sharing p's inode in tree, nil for
// a single link.
func linkSet(tree Tree, p string) []string {
	group := tree[p].LinkGroup
	if group == "" {
		return nil
	}
	var set []string
	for q, e := range tree {
		if e.LinkGroup == group {
			set = append(set, q)
		}
	}
	slices.Sort(set)
	return set
}
