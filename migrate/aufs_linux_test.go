package migrate

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/aufs"
	"github.com/layerfs/graphdriver/overlay2"
	"golang.org/x/sys/unix"
)

const programOption = "aufs.mount_program=fuse-overlayfs"

// layerTar builds a layer tar from (name, content) pairs: a name ending
// in "/" is a dir, content "=x" a hardlink to x, "->x" a symlink to x.
func layerTar(t *testing.T, entries ...[2]string) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, e := range entries {
		hdr := &tar.Header{Name: e[0], Mode: 0o644, ModTime: mtime, Typeflag: tar.TypeReg, Size: int64(len(e[1])), Format: tar.FormatPAX}
		switch {
		case e[0][len(e[0])-1] == '/':
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeDir, 0o755, 0
		case len(e[1]) > 1 && e[1][0] == '=':
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, e[1][1:], 0
		case len(e[1]) > 2 && e[1][:2] == "->":
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, e[1][2:], 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e[1])); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

// buildAufsStore makes an aufs store of three image layers (whiteouts,
// an opaque dir, hardlinks, symlinks) and a container layer written
// through its view, plus AUFS metadata at a branch root as kernel aufs
// leaves it.
func buildAufsStore(t *testing.T, home string) {
	t.Helper()
	d, err := aufs.New(home, []string{programOption}, graphdriver.IDMap{})
	if errors.Is(err, graphdriver.ErrNotSupported) {
		t.Skipf("aufs with fuse-overlayfs not supported here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer d.Cleanup()
	steps := []struct {
		id, parent string
		tar        *bytes.Reader
	}{
		{"base", "", layerTar(t, [2]string{"bin/", ""}, [2]string{"bin/sh", "sh"}, [2]string{"bin/bash", "=bin/sh"},
			[2]string{"etc/", ""}, [2]string{"etc/motd", "hi"}, [2]string{"var/cache/a", "a"}, [2]string{"lib", "->usr/lib"})},
		{"mid", "base", layerTar(t, [2]string{"etc/.wh.motd", ""}, [2]string{"var/cache/.wh..wh..opq", ""},
			[2]string{"var/cache/b", "b"}, [2]string{"bin/sh", "sh v2"})},
		{"top", "mid", layerTar(t, [2]string{".wh.lib", ""}, [2]string{"lib/", ""}, [2]string{"lib/ld.so", "ld"})},
	}
	for _, s := range steps {
		if err := d.Create(s.id, s.parent, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ApplyDiff(s.id, s.parent, s.tar); err != nil {
			t.Fatal(err)
		}
	}
	for _, meta := range []string{".wh..wh.plnk", ".wh..wh.orph"} {
		if err := os.Mkdir(filepath.Join(home, "diff", "mid", meta), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.CreateReadWrite("ctr", "top", nil); err != nil {
		t.Fatal(err)
	}
	dir, err := d.Get("ctr", "")
	if err != nil {
		t.Fatal(err)
	}
	err = errors.Join(os.Remove(filepath.Join(dir, "bin/bash")), os.WriteFile(filepath.Join(dir, "etc/new"), []byte("n"), 0o600),
		os.RemoveAll(filepath.Join(dir, "var/cache")), os.Mkdir(filepath.Join(dir, "var/cache"), 0o700))
	if err = errors.Join(err, d.Put("ctr")); err != nil {
		t.Fatal(err)
	}
}

// TestAufsToOverlay2: every layer arrives under its id and on its parent,
// its whiteouts in overlay form, and with Diff bytes equal to the aufs
// store's, checked here again apart from Copy's own check.
func TestAufsToOverlay2(t *testing.T) {
	root := t.TempDir()
	aufsHome, overlayHome := filepath.Join(root, "aufs"), filepath.Join(root, "overlay2")
	buildAufsStore(t, aufsHome)
	if err := overlay2.Supported(overlayHome); err != nil {
		t.Skipf("overlay2 not supported here: %v", err)
	}
	done, err := AufsToOverlay2(aufsHome, overlayHome, []string{programOption})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 4 {
		t.Fatalf("copied %d layers, want 4: %+v", len(done), done)
	}
	src, err := aufs.New(aufsHome, []string{programOption}, graphdriver.IDMap{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Cleanup()
	dst, err := overlay2.New(overlayHome, nil, graphdriver.IDMap{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Cleanup()
	for _, c := range done {
		if a, o := mustDigest(t, src, c.ID), mustDigest(t, dst, c.ID); a != o || a != c.Digest {
			t.Errorf("layer %s: Diff sha256 %s in aufs, %s in overlay2, %s reported", c.ID, a, o, c.Digest)
		}
	}
	if err := dst.Remove("mid"); !errors.Is(err, graphdriver.ErrHasChildren) {
		t.Fatalf("overlay2 Remove(mid) = %v, want ErrHasChildren: parents not kept", err)
	}
	requireDeviceWhiteout(t, filepath.Join(overlayHome, "ctr", "diff", "bin", "bash"))
	// etc lost its only entry: the canonical diff says so with an opaque
	// marker (layerdiff's rule 6), which overlay2 stores as the xattr.
	for _, dir := range []string{"mid/diff/etc", "mid/diff/var/cache", "ctr/diff/var/cache"} {
		if v, err := unixGetxattr(filepath.Join(overlayHome, dir), "trusted.overlay.opaque"); err != nil || v != "y" {
			t.Errorf("%s: trusted.overlay.opaque = %q, %v; want y", dir, v, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(overlayHome, "mid", "diff", ".wh..wh.plnk")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("AUFS metadata reached overlay2 (err %v)", err)
	}
	if _, err := AufsToOverlay2(aufsHome, overlayHome, []string{programOption}); !errors.Is(err, graphdriver.ErrExists) {
		t.Fatalf("a second migration into the same store = %v, want ErrExists", err)
	}
}

func mustDigest(t *testing.T, d graphdriver.Driver, id string) string {
	t.Helper()
	s, err := diffDigest(d, id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func requireDeviceWhiteout(t *testing.T, p string) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("%s is not an overlay whiteout (char 0/0): mode %o rdev %d err %v", p, st.Mode, st.Rdev, err)
	}
}

func unixGetxattr(p, key string) (string, error) {
	buf := make([]byte, 16)
	n, err := unix.Lgetxattr(p, key, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}
