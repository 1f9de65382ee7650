package archive

import (
	"slices"
	"strings"
)

// SortEntries sorts entries into the canonical order of a layer tar, the
// order Write requires:
//
//   - paths compare component by component, each component by its bytes,
//     so a directory is followed at once by its whole subtree ("a",
//     "a/b", "a.b"; plain byte order of the names would put "a.b" first);
//   - within a directory, the opaque marker comes first, then the
//     whiteouts by name, then the other entries by name;
//   - so parents come before their children, and the opaque marker of the
//     root (Path ".") before everything.
//
// The order depends on the entries only, never on how they were found.
func SortEntries(entries []Entry) {
	keyed := make([]keyedEntry, len(entries))
	for i, e := range entries {
		keyed[i] = keyedEntry{key: entryKey(e), entry: e}
	}
	slices.SortStableFunc(keyed, func(a, b keyedEntry) int { return compareKeys(a.key, b.key) })
	for i := range keyed {
		entries[i] = keyed[i].entry
	}
}

type keyedEntry struct {
	key   []keyPart
	entry Entry
}

// keyPart is one component of a sort key. rank orders the entries of one
// directory: the opaque marker, then whiteouts, then paths.
type keyPart struct {
	rank int
	name string
}

const (
	rankOpaque = iota
	rankWhiteout
	rankPath
)

// entryKey returns the sort key of e: one part per component of Path,
// ranked as paths except the last one of a whiteout, plus a part of its
// own for an opaque marker (inside the directory it marks).
func entryKey(e Entry) []keyPart {
	var names []string
	if e.Path != "." {
		names = strings.Split(e.Path, "/")
	}
	key := make([]keyPart, len(names), len(names)+1)
	for i, name := range names {
		key[i] = keyPart{rank: rankPath, name: name}
	}
	switch e.Kind {
	case EntryWhiteout:
		if len(key) > 0 {
			key[len(key)-1].rank = rankWhiteout
		}
	case EntryOpaque:
		key = append(key, keyPart{rank: rankOpaque})
	}
	return key
}

// compareKeys compares keys part by part; a key that is a prefix of the
// other (a directory and its subtree) comes first.
func compareKeys(a, b []keyPart) int {
	for i := range min(len(a), len(b)) {
		if a[i].rank != b[i].rank {
			return a[i].rank - b[i].rank
		}
		if c := strings.Compare(a[i].name, b[i].name); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}
