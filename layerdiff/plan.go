package layerdiff

import (
	"path"
	"slices"
	"strings"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
)

// deletionEntries returns the tar entries that delete what the parent's
// directory rel ("" for the root) held and the layer's does not (rule 6).
// lower counts the parent's entries, common those the layer kept, gone
// names the others. When the parent's directory held entries and none of
// them survive, one opaque marker stands for all the deletions, so a
// directory removed and made again and one emptied entry by entry give
// the same tar; otherwise each gone name gets a whiteout.
func deletionEntries(rel string, lower, common int, gone []string) []archive.Entry {
	if lower > 0 && common == 0 {
		dir := rel
		if dir == "" {
			dir = "."
		}
		return []archive.Entry{{Path: dir, Kind: archive.EntryOpaque}}
	}
	entries := make([]archive.Entry, len(gone))
	for i, name := range gone {
		entries[i] = archive.Entry{Path: path.Join(rel, name), Kind: archive.EntryWhiteout}
	}
	return entries
}

// sort puts the changes in path order (rule 5) and the entries in tar
// order (rule 7).
func (w *walker) sort() {
	slices.SortFunc(w.changes, func(a, b graphdriver.Change) int { return strings.Compare(a.Path, b.Path) })
	archive.SortEntries(w.entries)
}
