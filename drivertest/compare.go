package drivertest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// DiffTrees lists the differences between want and got, one line per
// differing path and field, in path order: "etc/hosts: mode 0644 != 0600"
// (want first). An empty result means the trees are equal.
func DiffTrees(want, got Tree) []string {
	var lines []string
	for _, p := range unionPaths(want, got) {
		w, inWant := want[p]
		g, inGot := got[p]
		switch {
		case !inGot:
			lines = append(lines, fmt.Sprintf("%s: missing (want %s)", p, w.summary()))
		case !inWant:
			lines = append(lines, fmt.Sprintf("%s: unexpected %s", p, g.summary()))
		default:
			for _, d := range diffEntries(w, g) {
				lines = append(lines, p+": "+d)
			}
		}
	}
	return lines
}

func unionPaths(a, b Tree) []string {
	all := Tree{}
	for p := range a {
		all[p] = Entry{}
	}
	for p := range b {
		all[p] = Entry{}
	}
	return all.Paths()
}

// summary is a short description of an entry for missing/extra lines.
func (e Entry) summary() string {
	return strings.TrimSpace(e.modeString() + " " + e.details())
}

// diffEntries compares the fields of two entries of the same path.
func diffEntries(w, g Entry) []string {
	if w.Type != g.Type {
		return []string{fmt.Sprintf("type %s != %s", w.Type, g.Type)}
	}
	var out []string
	add := func(field string, want, got any) {
		if want != got {
			out = append(out, fmt.Sprintf("%s %v != %v", field, want, got))
		}
	}
	add("mode", fmt.Sprintf("%04o", w.Mode), fmt.Sprintf("%04o", g.Mode))
	add("owner", fmt.Sprintf("%d:%d", w.UID, w.GID), fmt.Sprintf("%d:%d", g.UID, g.GID))
	add("content", contentString(w), contentString(g))
	add("symlink target", fmt.Sprintf("%q", w.Target), fmt.Sprintf("%q", g.Target))
	add("device", fmt.Sprintf("%d,%d", w.Major, w.Minor), fmt.Sprintf("%d,%d", g.Major, g.Minor))
	add("hardlink group", linkString(w.LinkGroup), linkString(g.LinkGroup))
	add("mtime", timeString(w.ModTime), timeString(g.ModTime))
	out = append(out, diffXattrs(w.Xattrs, g.Xattrs)...)
	return out
}

func contentString(e Entry) string {
	if e.Type != TypeFile {
		return ""
	}
	return fmt.Sprintf("sha256:%s (%d bytes)", shortDigest(e.Digest), e.Size)
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return "(not recorded)"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func linkString(group string) string {
	if group == "" {
		return "(none)"
	}
	return group
}

// diffXattrs reports xattrs missing, unexpected or with another value.
func diffXattrs(want, got []Xattr) []string {
	wm, gm := xattrMap(want), xattrMap(got)
	var out []string
	for _, x := range want {
		v, ok := gm[x.Name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("xattr %s missing (want %q)", x.Name, x.Value))
		case v != x.Value:
			out = append(out, fmt.Sprintf("xattr %s %q != %q", x.Name, x.Value, v))
		}
	}
	for _, x := range got {
		if _, ok := wm[x.Name]; !ok {
			out = append(out, fmt.Sprintf("xattr %s unexpected (%q)", x.Name, x.Value))
		}
	}
	return out
}

func xattrMap(xs []Xattr) map[string]string {
	m := make(map[string]string, len(xs))
	for _, x := range xs {
		m[x.Name] = x.Value
	}
	return m
}

// CheckTreesEqual reports through t.Errorf every difference between want
// and got, followed by both trees, and returns whether they were equal.
func CheckTreesEqual(t testing.TB, want, got Tree) bool {
	t.Helper()
	diff := DiffTrees(want, got)
	if len(diff) == 0 {
		return true
	}
	t.Errorf("trees differ (want != got):\n  %s\nwant:\n%s\ngot:\n%s",
		strings.Join(diff, "\n  "), indent(want.String()), indent(got.String()))
	return false
}

// RequireSameTree snapshots wantRoot and gotRoot and stops the test
// unless their trees are equal.
func RequireSameTree(t testing.TB, wantRoot, gotRoot string) {
	t.Helper()
	want, err := Snapshot(wantRoot)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Snapshot(gotRoot)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckTreesEqual(t, want, got) {
		t.FailNow()
	}
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
