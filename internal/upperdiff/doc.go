// Package upperdiff diffs a layer against its own parent by walking the
// layer's upper dir alone (an overlay upper, an AUFS branch), with a
// result byte-identical to layerdiff's walk of both merged views. A
// backend describes how its upper dirs record deletions and opaque
// directories (Format) and hands Native to layerdiff.Differ, which asks
// it first and walks both views where it answers ErrNotExact.
//
// Linux only (it reads trees through internal/fstree). Not for a backend
// whose union may redirect or metacopy (overlay redirect_dir, metacopy):
// the upper dir alone then does not say what the merged view holds; the
// backend probes for that and declines.
package upperdiff
