package aufs

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/layerdiff"
	"github.com/layerfs/graphdriver/whiteout"
)

// dockerFile is one entry of a hand-built store: a regular file with
// content, a dir (content "/"), or a hardlink to another entry of the
// same branch (content "=<path>").
type dockerFile struct{ path, content string }

// buildBranch writes files under dir, and AUFS's own metadata at its
// root as kernel aufs leaves it in every branch it mounted read-write:
// .wh..wh.aufs (the base whiteout), .wh..wh.orph/ and .wh..wh.plnk/.
func buildBranch(t *testing.T, dir string, files []dockerFile) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, whiteout.PlinkName), 0o700))
	must(os.MkdirAll(filepath.Join(dir, whiteout.OrphName), 0o700))
	must(os.WriteFile(filepath.Join(dir, whiteout.AufsName), nil, 0o444))
	mtime := time.Date(2019, 5, 1, 12, 0, 0, 123456789, time.UTC)
	for _, f := range files {
		p := filepath.Join(dir, f.path)
		must(os.MkdirAll(filepath.Dir(p), 0o755))
		switch {
		case f.content == "/":
			must(os.MkdirAll(p, 0o755))
		case strings.HasPrefix(f.content, "="):
			must(os.Link(filepath.Join(dir, f.content[1:]), p))
		default:
			must(os.WriteFile(p, []byte(f.content), 0o644))
			must(os.Chtimes(p, mtime, mtime))
		}
	}
	// Directory times last, deepest first, so what made them is forgotten.
	var dirs []string
	_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && e.IsDir() {
			dirs = append(dirs, p)
		}
		return err
	})
	slices.Reverse(dirs)
	for _, d := range dirs {
		must(os.Chtimes(d, mtime, mtime))
	}
}

// dockerStore lays out, by hand, what Docker's aufs driver leaves in
// /var/lib/docker/aufs after pulling a two-layer image and running a
// container: diff/<id> branches with AUFS whiteouts and metadata,
// hardlinks made through aufs's pseudo-links (the file and its plnk name
// share an inode), layers/<id> ancestor lists, mnt/<id> mount points, and
// the <id>-removing leftovers of an interrupted docker rmi.
func dockerStore(t *testing.T, home string) {
	t.Helper()
	const base, mid, ctr = "3f2a9c01", "77b1e0d2", "c0ffee03"
	buildBranch(t, filepath.Join(home, "diff", base), []dockerFile{
		{"bin/sh", "#!sh\n"}, {"bin/ls", "ls\n"}, {"etc/hosts", "127.0.0.1\n"},
		{"var/cache/a", "a\n"}, {"var/cache/b", "b\n"}, {"usr/lib/libc.so", "libc\n"},
	})
	buildBranch(t, filepath.Join(home, "diff", mid), []dockerFile{
		{"bin/.wh.sh", ""},                          // rm /bin/sh
		{"var/cache/.wh..wh..opq", ""},              // rm -rf /var/cache; mkdir /var/cache
		{"var/cache/new", "new\n"},                  //
		{"usr/lib/libc.so", "libc v2\n"},            // copied up and rewritten...
		{".wh..wh.plnk/1234.5", "=usr/lib/libc.so"}, // ...with a hardlink made through aufs
		{"usr/lib/libc.so.6", "=usr/lib/libc.so"},
		{"usr/lib/only-plnk", "single\n"}, // a link whose other name went away
		{".wh..wh.plnk/1299.5", "=usr/lib/only-plnk"},
	})
	buildBranch(t, filepath.Join(home, "diff", ctr), []dockerFile{{"etc/.wh.hosts", ""}, {"tmp/x", "x\n"}})
	for id, content := range map[string]string{base: "", mid: base + "\n", ctr: mid + "\n" + base + "\n"} {
		if err := os.MkdirAll(filepath.Join(home, "layers"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, "layers", id), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(home, "mnt", id), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"diff/9dead-removing/etc", "mnt/9dead-removing"} {
		if err := os.MkdirAll(filepath.Join(home, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpensDockerStore: a store as Docker's aufs driver writes it opens
// and serves its layers; the AUFS metadata never shows, neither in the
// views nor in a Diff, and hardlinks made through pseudo-links come out
// as links between the layer's own names.
func TestOpensDockerStore(t *testing.T) {
	home := filepath.Join(t.TempDir(), "aufs")
	dockerStore(t, home)
	d := openDriver(t, home)
	for _, id := range []string{"3f2a9c01", "77b1e0d2", "c0ffee03"} {
		if !d.Exists(id) {
			t.Fatalf("layer %s of the Docker store not found", id)
		}
	}
	for _, p := range []string{"diff/9dead-removing", "mnt/9dead-removing"} {
		if _, err := os.Lstat(filepath.Join(home, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived open (err %v): Docker's leftovers are purged", p, err)
		}
	}
	if err := d.Remove("77b1e0d2"); !errors.Is(err, graphdriver.ErrHasChildren) {
		t.Fatalf("Remove of the image's top layer = %v, want ErrHasChildren (layers files not read?)", err)
	}
	dir, err := d.Get("c0ffee03", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"d bin", "f bin/ls", "d etc", "d tmp", "f tmp/x", "d usr", "d usr/lib", "f usr/lib/libc.so",
		"f usr/lib/libc.so.6", "f usr/lib/only-plnk", "d var", "d var/cache", "f var/cache/new"}
	got := listTree(t, dir)
	if err := d.Put("c0ffee03"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("container view:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := readView(t, d, "c0ffee03", "usr/lib/libc.so.6"); got != "libc v2\n" {
		t.Fatalf("usr/lib/libc.so.6 = %q, want the middle layer's", got)
	}
	checkDockerDiff(t, d, home)
}

// checkDockerDiff checks the middle layer's Diff: no AUFS metadata, the
// plnk hardlink resolved, and the bytes layerdiff.Diff gives for the same two
// trees laid out as plain directories.
func checkDockerDiff(t *testing.T, d *Driver, home string) {
	t.Helper()
	rc, err := d.Diff("77b1e0d2", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err = errors.Join(err, rc.Close()); err != nil {
		t.Fatal(err)
	}
	names := tarNames(t, got)
	for _, n := range names {
		if strings.Contains(n, whiteout.MetaPrefix) && !strings.HasSuffix(n, whiteout.OpaqueName) {
			t.Errorf("Diff carries AUFS metadata %q", n)
		}
	}
	for _, n := range []string{"bin/.wh.sh", "var/cache/.wh..wh..opq", "usr/lib/libc.so.6 -> usr/lib/libc.so", "usr/lib/only-plnk"} {
		if !slices.Contains(names, n) {
			t.Errorf("Diff lacks %q; has %q", n, names)
		}
	}
	// The same states as plain trees: what any backend holds as views.
	plain := t.TempDir()
	baseTree, midTree := filepath.Join(plain, "base"), filepath.Join(plain, "mid")
	copyView(t, d, "3f2a9c01", baseTree)
	copyView(t, d, "77b1e0d2", midTree)
	rc, err = layerdiff.Diff(midTree, baseTree, graphdriver.IDMap{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(rc)
	if err = errors.Join(err, rc.Close()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Diff of the Docker layer differs from layerdiff.Diff of the same trees:\n got %q\nwant %q", names, tarNames(t, want))
	}
}

// tarNames lists a tar's entries: names, and "name -> target" for links.
func tarNames(t *testing.T, data []byte) []string {
	t.Helper()
	var out []string
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		n := strings.TrimSuffix(hdr.Name, "/")
		if hdr.Typeflag == tar.TypeLink {
			n += " -> " + hdr.Linkname
		}
		out = append(out, n)
	}
}

// copyView copies layer id's view to dst, a plain directory tree.
func copyView(t *testing.T, d *Driver, id, dst string) {
	t.Helper()
	dir, err := d.Get(id, "")
	if err != nil {
		t.Fatal(err)
	}
	err = cow.CopyTree(dst, dir, nil)
	if err = errors.Join(err, d.Put(id)); err != nil {
		t.Fatal(err)
	}
}
