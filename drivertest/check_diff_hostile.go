package drivertest

import (
	"archive/tar"
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
)

// hostileCase is a layer tar that must be refused; entry is the name of
// the offending entry, which the error must hold.
type hostileCase struct {
	name  string
	entry string
	items []tarItem
}

// hostileCases aim at victim, a directory outside the home holding the
// file "file". Each starts with a harmless entry, so a refusal must also
// undo what was already unpacked.
func hostileCases(victim string) []hostileCase {
	harmless := fileItem("harmless", []byte("harmless\n"), 0o644)
	climb := strings.Repeat("../", 32) + strings.TrimPrefix(filepath.Join(victim, "file"), "/")
	link := newItem(tar.TypeLink, "hardlink-out", 0o644)
	link.hdr.Linkname = climb
	cases := []hostileCase{
		{"dotdot", "../escape", []tarItem{fileItem("../escape", []byte("out\n"), 0o644)}},
		{"dotdot-nested", "sub/../../escape", []tarItem{
			dirItem("sub", 0o755), fileItem("sub/../../escape", []byte("out\n"), 0o644)}},
		{"symlink-out", "s/pwned", []tarItem{symlinkItem("s", victim), fileItem("s/pwned", []byte("out\n"), 0o644)}},
		{"hardlink-out", "hardlink-out", []tarItem{link}},
		{"whiteout-dotdot", ".wh..", []tarItem{markerItem(".wh..")}},
		{"overlay-xattr", "forged-opaque", []tarItem{
			dirItem("forged-opaque", 0o755).xattr("trusted.overlay.opaque", "y")}},
		{"char-0-0", "fake-whiteout", []tarItem{devItem(tar.TypeChar, "fake-whiteout", 0o644, 0, 0)}},
	}
	for i := range cases {
		cases[i].items = append([]tarItem{harmless}, cases[i].items...)
	}
	return cases
}

// checkApplyHostile applies hostile tars: each is ErrInvalidLayer naming
// the entry, the layer is gone afterwards and its id free, the home is as
// before the Create, and nothing changed outside the home.
func checkApplyHostile(h *harness) {
	victim := filepath.Join(h.t.TempDir(), "victim")
	err := Apply(CreateDir("victim", 0o755), CreateFile("victim/file", []byte("precious\n"), 0o644),
		CreateDir("victim/dir", 0o755)).Apply(filepath.Dir(victim))
	if err != nil {
		h.t.Fatal(err)
	}
	before := snapshotTimes(h.t, victim)
	h.layer("base", "", CreateFile("base-file", []byte("base\n"), 0o644))
	for _, c := range hostileCases(victim) {
		h.t.Run(c.name, func(t *testing.T) {
			s := h.sub(t)
			s.applyHostile(c)
			s.expectTree(before, snapshotTimes(t, victim), "the victim dir outside the home")
		})
	}
}

func (h *harness) applyHostile(c hostileCase) {
	id := "hostile-" + c.name
	listing := h.homeListing()
	h.create(id, "base")
	_, err := h.d.ApplyDiff(id, "base", bytes.NewReader(buildTar(h.t, c.items...)))
	h.requireHostileRefused(err, c.entry)
	h.expectNoTrace(id, listing, "ApplyDiff of a hostile tar")
	if h.d.Exists(id) {
		h.remove(id)
	}
	h.create(id, "base")
	h.remove(id)
}

// requireHostileRefused skips on ErrNotSupported and fails unless err is
// ErrInvalidLayer naming entry.
func (h *harness) requireHostileRefused(err error, entry string) {
	h.t.Helper()
	switch {
	case errors.Is(err, graphdriver.ErrNotSupported):
		h.t.Skipf("%s: ApplyDiff: not supported: %v", h.d, err)
	case err == nil:
		h.t.Errorf("ApplyDiff of a tar with %q succeeded, want an error wrapping %q", entry, graphdriver.ErrInvalidLayer)
	case !errors.Is(err, graphdriver.ErrInvalidLayer):
		h.t.Errorf("ApplyDiff of a tar with %q: %v, want an error wrapping %q", entry, err, graphdriver.ErrInvalidLayer)
	case !strings.Contains(err.Error(), entry):
		h.t.Errorf("ApplyDiff of a tar with %q: error %q does not name the entry", entry, err)
	default:
		h.t.Logf("refused as it should be: %v", err)
	}
}

func snapshotTimes(t testing.TB, dir string) Tree {
	t.Helper()
	tree, err := Snapshot(dir, WithModTime())
	if err != nil {
		t.Fatal(err)
	}
	return tree
}
