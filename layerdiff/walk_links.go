package layerdiff

import (
	"path"
	"slices"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/fstree"
)

// linkBook is the hardlink bookkeeping of a walk: which paths of each tree
// share an inode with more than one link. Rule 3 compares these groups
// for a path in both trees, and a group is only known once its tree has
// been walked, so such a path, equal in all else, waits in pending.
type linkBook struct {
	layer, parent map[fstree.FileID][]string
	pending       []pending
	// unvisited lists the parent's directories the walk did not enter
	// (deleted, or replaced by a non-directory): links may hide there.
	unvisited []string
}

type pending struct {
	rel          string
	upper, lower fstree.Node
}

func newLinkBook() linkBook {
	return linkBook{layer: make(map[fstree.FileID][]string), parent: make(map[fstree.FileID][]string)}
}

func (b *linkBook) noteLayer(rel string, n *fstree.Node) {
	if n.Linked() {
		b.layer[n.ID] = append(b.layer[n.ID], rel)
	}
}

func (b *linkBook) noteParent(rel string, n *fstree.Node) {
	if n.Linked() {
		b.parent[n.ID] = append(b.parent[n.ID], rel)
	}
}

// group returns the sorted paths of tree (b.layer or b.parent) that share
// n's inode; a single link is a group of its own path.
func group(tree map[fstree.FileID][]string, rel string, n *fstree.Node) []string {
	if !n.Linked() {
		return []string{rel}
	}
	g := slices.Clone(tree[n.ID])
	slices.Sort(g)
	return g
}

// resolveLinks decides the pending paths once both trees' groups are
// known: a path whose group changed is a Modify, and so is every
// directory above it.
func (w *walker) resolveLinks() error {
	if len(w.links.pending) == 0 {
		return nil
	}
	if err := w.completeParentGroups(); err != nil {
		return err
	}
	var changed []string
	for i := range w.links.pending {
		p := &w.links.pending[i]
		if slices.Equal(group(w.links.layer, p.rel, &p.upper), group(w.links.parent, p.rel, &p.lower)) {
			continue
		}
		w.record(p.rel, &p.upper, graphdriver.ChangeModify)
		changed = append(changed, p.rel)
	}
	w.markAncestors(changed)
	return nil
}

// completeParentGroups looks for the missing links of pending inodes in
// the parent's unvisited directories. It scans them only when some group
// has fewer paths than its inode has links (the rest may also be outside
// the tree), and then records only the inodes it looks for.
func (w *walker) completeParentGroups() error {
	want := make(map[fstree.FileID]bool)
	for i := range w.links.pending {
		l := &w.links.pending[i].lower
		if l.Linked() && uint64(len(w.links.parent[l.ID])) < l.Nlink {
			want[l.ID] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	for _, rel := range w.links.unvisited {
		if err := w.scanParent(rel, want); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) scanParent(rel string, want map[fstree.FileID]bool) error {
	nodes, err := fstree.List(w.parentPath(rel), false)
	if err != nil {
		return err
	}
	for i := range nodes {
		n, child := &nodes[i], path.Join(rel, nodes[i].Name)
		if n.Linked() && want[n.ID] {
			w.links.noteParent(child, n)
		}
		if n.IsDir() {
			if err := w.scanParent(child, want); err != nil {
				return err
			}
		}
	}
	return nil
}

// markAncestors records a Modify for each directory above the paths that
// is not one already. A directory recorded during the walk has all of its
// ancestors recorded too, so the climb stops at the first one.
func (w *walker) markAncestors(paths []string) {
	if len(paths) == 0 {
		return
	}
	seen := make(map[string]bool)
	for _, c := range w.changes {
		if c.Kind == graphdriver.ChangeModify {
			seen[c.Path[1:]] = true
		}
	}
	for _, rel := range paths {
		for dir := path.Dir(rel); dir != "." && !seen[dir]; dir = path.Dir(dir) {
			seen[dir] = true
			w.record(dir, nil, graphdriver.ChangeModify)
		}
	}
}
