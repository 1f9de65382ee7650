package archive_test

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/whiteout"
)

// FuzzApply: whatever the bytes, Apply returns (an error or not) without
// panicking, and creates, changes or deletes nothing outside the root:
// beside the root only the untouched sentinel directory remains.
func FuzzApply(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed, uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, form uint8) {
		base := t.TempDir()
		t.Cleanup(func() { makeWritable(base) })
		root := filepath.Join(base, "layer")
		sentinel := filepath.Join(base, "sentinel")
		for _, d := range []string{root, sentinel} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(sentinel, "keep"), []byte("keep"), 0o644); err != nil {
			t.Fatal(err)
		}
		opts := &archive.ApplyOptions{
			Whiteouts:         fuzzFormat(form),
			IgnoreChownErrors: os.Geteuid() != 0,
			Limits:            archive.Limits{MaxBytes: 1 << 24, MaxEntries: 4096},
		}
		_, _ = archive.Apply(root, bytes.NewReader(data), opts)
		checkOnlyLayerChanged(t, base, sentinel)
	})
}

// fuzzFormat picks a whiteout form; overlay forms need CAP_MKNOD for
// their whiteouts but still exercise everything else unprivileged.
func fuzzFormat(b uint8) whiteout.Format {
	return whiteout.Format(int(b) % 3)
}

func checkOnlyLayerChanged(t *testing.T, base, sentinel string) {
	t.Helper()
	names, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || names[0].Name() != "layer" || names[1].Name() != "sentinel" {
		t.Fatalf("beside the root: %v", names)
	}
	in, err := os.ReadDir(sentinel)
	if err != nil || len(in) != 1 || in[0].Name() != "keep" || !in[0].Type().IsRegular() {
		t.Fatalf("sentinel changed: %v %v", in, err)
	}
	if b, err := os.ReadFile(filepath.Join(sentinel, "keep")); err != nil || string(b) != "keep" {
		t.Fatalf("sentinel file changed: %q %v", b, err)
	}
	if fi, err := os.Lstat(sentinel); err != nil || fi.Mode() != os.ModeDir|0o755 {
		t.Fatalf("sentinel dir changed: %v %v", fi, err)
	}
}

// makeWritable gives the owner rwx on every directory under dir, so that
// the test's cleanup can remove what a read-only layer left.
func makeWritable(dir string) {
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() {
			_ = os.Chmod(p, fi.Mode().Perm()|0o700)
		}
		return nil
	})
}

func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	add := func(entries ...layerEntry) { seeds = append(seeds, buildLayer(f, entries...)) }
	add(dirEntry("etc", 0o755), regEntry("etc/hosts", "h", 0o644), symlinkEntry("l", "/etc"), hardlinkEntry("h", "etc/hosts"))
	add(symlinkEntry("a", "../sentinel"), regEntry("a/keep", "pwned", 0o644))
	add(symlinkEntry("a", "/../sentinel"), regEntry("a/new", "pwned", 0o644))
	add(dirEntry("a", 0o755), symlinkEntry("a", "../sentinel"), regEntry("a/keep", "pwned", 0o644))
	add(symlinkEntry("a", "../../"), hardlinkEntry("b", "a/sentinel/keep"))
	add(regEntry("../sentinel/keep", "pwned", 0o644))
	add(whiteoutEntry("x"), regEntry("x/y", "", 0o644), opaqueEntry("x"), regEntry(".wh..wh..opq", "", 0o644))
	add(regEntry("a/.wh..", "", 0o644), regEntry(".wh..wh.plnk/1", "", 0o644))
	add(dirEntry("d", 0o000), regEntry("d/f", "x", 0o000), dirEntry("d", 0o555))
	add(regEntry("f", "", 0o644, withXattr("user.a", "b"), withRecord("LIBARCHIVE.xattr.user.c", "ZA")))
	add(nodeEntry("fifo", tar.TypeFifo, 0, 0), symlinkEntry("s", "fifo"), regEntry("s", "x", 0o644))
	// Small seeds only: the fuzzer minimizes every new input before it
	// reports, for up to a minute, and time grows with the input's size.
	for _, name := range []string{"gnu.tar", "hardlink.tar", "xattrs.tar"} {
		if b, err := os.ReadFile(filepath.Join("testdata/gotar", name)); err == nil {
			seeds = append(seeds, b)
		}
	}
	return seeds
}
