package drivertest

import (
	"archive/tar"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// noncanonicalCase is a tar as some real producer writes it, applied on
// ncParent, and the fixture that makes the view it must give on top of
// ncParent's. With times, modification times are compared too (but the
// root's); without, they are left out where implied parents or opaque
// handling make them unpredictable.
type noncanonicalCase struct {
	name   string
	items  []tarItem
	want   Applier
	times  bool
	xattrs bool // needs user.* xattrs
}

// wholeSecond is the time of entries in formats without nanoseconds.
var wholeSecond = time.Unix(1650000000, 0)

func ncParent() Applier {
	return Apply(
		CreateDir("etc", 0o755), CreateFile("etc/old", []byte("old\n"), 0o644),
		CreateDir("od", 0o755), CreateFile("od/lower", []byte("lower\n"), 0o644),
		CreateFile("own", []byte("lower own\n"), 0o644), CreateFile("own2", []byte("lower own2\n"), 0o644),
		CreateDir("wd", 0o755), CreateFile("wd/lowerfile", []byte("lower\n"), 0o644),
		touch(baseTime, "etc/old", "od/lower", "own", "own2", "wd/lowerfile", "etc", "od", "wd"),
	)
}

// checkApplyNoncanonical applies tars in the forms real producers write
// and checks each layer's view.
func checkApplyNoncanonical(h *harness) {
	h.dumpOnFailure("nc-base")
	h.createRW("nc-base", "")
	h.write("nc-base", ncParent())
	xattrs := h.userXattrsWork()
	cases := append(formatCases(), nameCases()...)
	cases = append(cases, duplicateCase(), libarchiveCase())
	cases = append(cases, whiteoutOrderCases()...)
	for _, c := range cases {
		h.t.Run(c.name, func(t *testing.T) {
			if c.xattrs && !xattrs {
				t.Skip("the layers' filesystem refuses user.* xattrs")
			}
			h.sub(t).applyNoncanonical(c)
		})
	}
}

func (h *harness) applyNoncanonical(c noncanonicalCase) {
	id := "nc-" + c.name
	h.dumpOnFailure(id)
	h.imageLayer(id, "nc-base", buildTar(h.t, c.items...))
	what := "layer " + id + " made by ApplyDiff of a " + c.name + " tar"
	if c.times {
		h.expectTree(h.modelWithTimes(ncParent(), c.want), h.treeWithTimes(id), what)
	} else {
		h.expectTree(h.model(ncParent(), c.want), h.tree(id), what)
	}
}

// modelWithTimes is model with modification times, but the root's.
func (h *harness) modelWithTimes(appliers ...Applier) Tree {
	h.t.Helper()
	root := filepath.Join(h.t.TempDir(), "model")
	err := os.Mkdir(root, 0o755)
	if err == nil {
		err = os.Chmod(root, 0o755) // as in model: not the umask's
	}
	if err == nil {
		err = Apply(appliers...).Apply(root)
	}
	if err != nil {
		h.t.Fatalf("model: %v", err)
	}
	tree, err := Snapshot(root, WithModTime())
	if err != nil {
		h.t.Fatal(err)
	}
	return withoutRootTime(tree)
}

// formatCases: GNU (a long name), USTAR.
func formatCases() []noncanonicalCase {
	long := "gnu/" + strings.Repeat("long-name-", 12) + "end"
	return []noncanonicalCase{{
		name: "gnu",
		items: []tarItem{
			dirItem("gnu", 0o755).at(wholeSecond).format(tar.FormatGNU),
			fileItem(long, []byte("long\n"), 0o644).at(wholeSecond).format(tar.FormatGNU),
			fileItem("gnu/short", []byte("short\n"), 0o600).at(wholeSecond).format(tar.FormatGNU),
		},
		want: Apply(CreateDir("gnu", 0o755), CreateFile(long, []byte("long\n"), 0o644),
			CreateFile("gnu/short", []byte("short\n"), 0o600), touch(wholeSecond, long, "gnu/short", "gnu")),
		times: true,
	}, {
		name: "ustar",
		items: []tarItem{
			dirItem("u", 0o750).at(wholeSecond).format(tar.FormatUSTAR),
			fileItem("u/file", []byte("ustar\n"), 0o640).at(wholeSecond).format(tar.FormatUSTAR),
			symlinkItem("u/link", "file").at(wholeSecond).format(tar.FormatUSTAR),
		},
		want: Apply(CreateDir("u", 0o750), CreateFile("u/file", []byte("ustar\n"), 0o640),
			Symlink("file", "u/link"), touch(wholeSecond, "u/file", "u/link", "u")),
		times: true,
	}}
}

// nameCases: absolute names, "./" prefixes with the root listed as "./",
// and parents the tar never lists (made 0755, owned by the layer root's
// owner).
func nameCases() []noncanonicalCase {
	return []noncanonicalCase{{
		name:  "absolute-names",
		items: []tarItem{dirItem("/abs", 0o755), fileItem("/abs/x", []byte("x\n"), 0o644)},
		want:  Apply(CreateDir("abs", 0o755), CreateFile("abs/x", []byte("x\n"), 0o644), touch(tarTime, "abs/x", "abs")),
		times: true,
	}, {
		name: "dot-slash",
		items: []tarItem{
			dirItem(".", 0o755), dirItem("./dot", 0o755), fileItem("./dot/y", []byte("y\n"), 0o644),
		},
		want:  Apply(CreateDir("dot", 0o755), CreateFile("dot/y", []byte("y\n"), 0o644), touch(tarTime, "dot/y", "dot")),
		times: true,
	}, {
		name:  "implied-parents",
		items: []tarItem{fileItem("p/q/r/file", []byte("deep\n"), 0o644), fileItem("etc/sub/f", []byte("f\n"), 0o644)},
		want: Apply(CreateDir("p", 0o755), CreateDir("p/q", 0o755), CreateDir("p/q/r", 0o755),
			CreateFile("p/q/r/file", []byte("deep\n"), 0o644),
			CreateDir("etc/sub", 0o755), CreateFile("etc/sub/f", []byte("f\n"), 0o644)),
	}}
}

// duplicateCase: the last entry of a path wins; a directory listed twice
// keeps its children and takes the later attributes; a file replaces a
// directory, and a directory a file.
func duplicateCase() noncanonicalCase {
	return noncanonicalCase{
		name: "duplicates",
		items: []tarItem{
			fileItem("dup", []byte("first, and longer\n"), 0o644),
			fileItem("dup", []byte("second\n"), 0o600).at(childTime),
			dirItem("dd", 0o700),
			fileItem("dd/f", []byte("f\n"), 0o644),
			dirItem("dd", 0o755).at(dirTime),
			fileItem("x", []byte("file x\n"), 0o644),
			dirItem("x", 0o755),
			fileItem("x/y", []byte("y\n"), 0o644),
			dirItem("y", 0o755),
			fileItem("y/z", []byte("z\n"), 0o644),
			fileItem("y", []byte("now a file\n"), 0o644),
		},
		want: Apply(
			CreateFile("dup", []byte("second\n"), 0o600), touch(childTime, "dup"),
			CreateDir("dd", 0o755), CreateFile("dd/f", []byte("f\n"), 0o644),
			CreateDir("x", 0o755), CreateFile("x/y", []byte("y\n"), 0o644),
			CreateFile("y", []byte("now a file\n"), 0o644),
			touch(tarTime, "dd/f", "x", "x/y", "y"), touch(dirTime, "dd"),
		),
		times: true,
	}
}

// libarchiveCase: bsdtar writes xattrs as LIBARCHIVE.xattr records, the
// name url-escaped and the value in base64.
func libarchiveCase() noncanonicalCase {
	b64 := base64.StdEncoding.EncodeToString
	return noncanonicalCase{
		name: "libarchive-xattrs",
		items: []tarItem{fileItem("la", []byte("la\n"), 0o644).
			pax("LIBARCHIVE.xattr.user.foo", b64([]byte("bar"))).
			pax("LIBARCHIVE.xattr.user.a%20b", b64([]byte{0, 1, 0xff}))},
		want: Apply(CreateFile("la", []byte("la\n"), 0o644), SetXattr("la", "user.foo", []byte("bar")),
			SetXattr("la", "user.a b", []byte{0, 1, 0xff}), touch(tarTime, "la")),
		times:  true,
		xattrs: true,
	}
}

// whiteoutOrderCases: an opaque marker after the directory's new
// children hides the lower ones only (moby PR#17819); a whiteout of a
// path the same tar adds, before or after it, hides the lower path only
// (a directory so whited out shows only this layer's children).
func whiteoutOrderCases() []noncanonicalCase {
	return []noncanonicalCase{{
		name: "opaque-after-children",
		items: []tarItem{
			dirItem("od", 0o755), fileItem("od/new1", []byte("new1\n"), 0o644),
			dirItem("od/sub", 0o755), fileItem("od/sub/n", []byte("n\n"), 0o644), opaqueItem("od"),
		},
		want: Apply(RemoveAll("od"), CreateDir("od", 0o755), CreateFile("od/new1", []byte("new1\n"), 0o644),
			CreateDir("od/sub", 0o755), CreateFile("od/sub/n", []byte("n\n"), 0o644)),
	}, {
		name: "whiteout-own-entry",
		items: []tarItem{
			fileItem("own", []byte("upper own\n"), 0o644), whiteoutItem("", "own"),
			whiteoutItem("", "own2"), fileItem("own2", []byte("upper own2\n"), 0o644),
			dirItem("wd", 0o755), fileItem("wd/a", []byte("a\n"), 0o644), whiteoutItem("", "wd"),
		},
		want: Apply(CreateFile("own", []byte("upper own\n"), 0o644), CreateFile("own2", []byte("upper own2\n"), 0o644),
			RemoveAll("wd"), CreateDir("wd", 0o755), CreateFile("wd/a", []byte("a\n"), 0o644)),
	}}
}
