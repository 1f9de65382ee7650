package archive_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// A small DSL for layer tars: each layerEntry is a header and a body.

type layerEntry struct {
	hdr  tar.Header
	body string
}

// epochish is the fixed time of test entries.
var epochish = time.Unix(1_600_000_000, 0)

func regEntry(name, body string, mode int64, mods ...func(*tar.Header)) layerEntry {
	return newLayerEntry(tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body))}, body, mods)
}

func dirEntry(name string, mode int64, mods ...func(*tar.Header)) layerEntry {
	return newLayerEntry(tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode}, "", mods)
}

func symlinkEntry(name, target string, mods ...func(*tar.Header)) layerEntry {
	return newLayerEntry(tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}, "", mods)
}

func hardlinkEntry(name, target string, mods ...func(*tar.Header)) layerEntry {
	return newLayerEntry(tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target}, "", mods)
}

func nodeEntry(name string, typ byte, major, minor int64, mods ...func(*tar.Header)) layerEntry {
	return newLayerEntry(tar.Header{Typeflag: typ, Name: name, Mode: 0o644, Devmajor: major, Devminor: minor}, "", mods)
}

// whiteoutEntry is the AUFS-form whiteout of name as image builders write it.
func whiteoutEntry(name string) layerEntry {
	dir, base := filepath.Split(name)
	return regEntry(dir+whiteout.Prefix+base, "", 0o644)
}

func opaqueEntry(dir string) layerEntry {
	return regEntry(filepath.Join(dir, whiteout.OpaqueName), "", 0o644)
}

func newLayerEntry(h tar.Header, body string, mods []func(*tar.Header)) layerEntry {
	h.ModTime = epochish
	for _, m := range mods {
		m(&h)
	}
	return layerEntry{hdr: h, body: body}
}

// withXattr adds an xattr as a SCHILY.xattr record.
func withXattr(key, value string) func(*tar.Header) {
	return withRecord("SCHILY.xattr."+key, value)
}

func withRecord(key, value string) func(*tar.Header) {
	return func(h *tar.Header) {
		if h.PAXRecords == nil {
			h.PAXRecords = map[string]string{}
		}
		h.PAXRecords[key] = value
		h.Format = tar.FormatPAX
	}
}

func withOwner(uid, gid int) func(*tar.Header) {
	return func(h *tar.Header) { h.Uid, h.Gid = uid, gid }
}

func withTime(mtime time.Time) func(*tar.Header) {
	return func(h *tar.Header) { h.ModTime = mtime }
}

func withFormat(f tar.Format) func(*tar.Header) {
	return func(h *tar.Header) { h.Format = f }
}

// buildLayer writes the entries as a tar.
func buildLayer(t testing.TB, entries ...layerEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		require.NoError(t, tw.WriteHeader(&h), "header %q", h.Name)
		_, err := tw.Write([]byte(e.body))
		require.NoError(t, err, "body %q", h.Name)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// testOptions are the options for a test Apply: unprivileged runs ignore
// owners (the tars are root-owned).
func testOptions(f whiteout.Format) *archive.ApplyOptions {
	return &archive.ApplyOptions{Whiteouts: f, IgnoreChownErrors: os.Geteuid() != 0}
}

// applyLayer applies data onto a fresh root and returns it.
func applyLayer(t *testing.T, data []byte, opts *archive.ApplyOptions) (string, int64, error) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "layer")
	require.NoError(t, os.Mkdir(root, 0o755))
	t.Cleanup(func() { makeWritable(root) }) // before TempDir's removal
	n, err := archive.Apply(root, bytes.NewReader(data), opts)
	return root, n, err
}

func requireRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("needs root: %s", why)
	}
}

// describeTree lists root as path -> one line: type, permission bits,
// then the content of regular files, the target of symlinks, the device
// numbers of devices, and xattrs other than security.selinux. Owners and
// times are left out (other tests check them). The root itself is listed,
// as ".", only when it carries xattrs (an opaque root).
func describeTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if x := describeXattrs(t, root); x != "" {
		out["."] = "dir" + x
	}
	var restore []func()
	defer func() {
		for i := len(restore) - 1; i >= 0; i-- {
			restore[i]()
		}
	}()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = describePath(t, p)
		if d.IsDir() {
			restore = append(restore, makeReadable(t, p))
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// makeReadable lets an unprivileged owner read p (a directory or a file
// with mode 0, as tars carry) and returns what puts its mode back.
func makeReadable(t *testing.T, p string) func() {
	t.Helper()
	fi, err := os.Lstat(p)
	require.NoError(t, err)
	perm := fi.Mode().Perm() | fi.Mode()&(os.ModeSetuid|os.ModeSetgid|os.ModeSticky)
	want := os.FileMode(0o400)
	if fi.IsDir() {
		want = 0o700
	}
	if os.Geteuid() == 0 || perm&want == want {
		return func() {}
	}
	require.NoError(t, os.Chmod(p, perm|want))
	return func() { _ = os.Chmod(p, perm) }
}

func describePath(t *testing.T, p string) string {
	t.Helper()
	var st unix.Stat_t
	require.NoError(t, unix.Lstat(p, &st))
	perm := fmt.Sprintf("%04o", st.Mode&0o7777)
	var s string
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		undo := makeReadable(t, p)
		f, err := os.Open(p)
		require.NoError(t, err)
		s = "file " + perm + " " + describeContent(t, f)
		f.Close()
		undo()
	case unix.S_IFDIR:
		s = "dir " + perm
	case unix.S_IFLNK:
		target, err := os.Readlink(p)
		require.NoError(t, err)
		s = "symlink " + target
	case unix.S_IFCHR:
		s = fmt.Sprintf("char %d/%d %s", unix.Major(st.Rdev), unix.Minor(st.Rdev), perm)
	case unix.S_IFBLK:
		s = fmt.Sprintf("block %d/%d %s", unix.Major(st.Rdev), unix.Minor(st.Rdev), perm)
	case unix.S_IFIFO:
		s = "fifo " + perm
	default:
		s = fmt.Sprintf("other %o", st.Mode)
	}
	return s + describeXattrs(t, p)
}

// describeContent is the content of a small file, quoted, or the size
// and digest of a big one.
func describeContent(t *testing.T, r io.Reader) string {
	t.Helper()
	h := sha256.New()
	var head bytes.Buffer
	n, err := io.Copy(io.MultiWriter(h, &limitedBuffer{&head, 4096}), r)
	require.NoError(t, err)
	if n > 4096 {
		return fmt.Sprintf("%d bytes sha256:%x", n, h.Sum(nil))
	}
	return fmt.Sprintf("%q", head.Bytes())
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func describeXattrs(t *testing.T, p string) string {
	t.Helper()
	xs := readXattrs(t, p)
	if len(xs) == 0 {
		return ""
	}
	keys := make([]string, 0, len(xs))
	for k, v := range xs {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return " {" + strings.Join(keys, ",") + "}"
}

// readXattrs returns the xattrs of p (not followed), without
// security.selinux.
func readXattrs(t *testing.T, p string) map[string]string {
	t.Helper()
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(p, buf)
	if errors.Is(err, unix.EOPNOTSUPP) {
		return nil
	}
	require.NoError(t, err)
	out := map[string]string{}
	for _, k := range strings.Split(string(buf[:n]), "\x00") {
		if k == "" || k == "security.selinux" {
			continue
		}
		v := make([]byte, 64<<10)
		m, err := unix.Lgetxattr(p, k, v)
		require.NoError(t, err)
		out[k] = string(v[:m])
	}
	return out
}

// inOverlayForm converts a description written in the AUFS form (".wh.x"
// files, ".wh..wh..opq" markers) to the overlay form f.
func inOverlayForm(want map[string]string, f whiteout.Format) map[string]string {
	if f == whiteout.AUFS {
		return want
	}
	out := map[string]string{}
	var opaque []string
	for p, d := range want {
		dir, base := filepath.Split(p)
		switch {
		case base == whiteout.OpaqueName:
			opaque = append(opaque, strings.TrimSuffix(dir, "/"))
		case strings.HasPrefix(base, whiteout.Prefix):
			out[dir+strings.TrimPrefix(base, whiteout.Prefix)] = "char 0/0 0000"
		default:
			out[p] = d
		}
	}
	for _, d := range opaque {
		if d == "" {
			out["."] = "dir {" + f.OpaqueXattr() + "=y}"
			continue
		}
		out[d] = addXattr(out[d], f.OpaqueXattr()+"=y")
	}
	return out
}

// addXattr adds key=value to the xattrs of a description.
func addXattr(desc, kv string) string {
	if i := strings.Index(desc, " {"); i >= 0 {
		kvs := strings.Split(strings.TrimSuffix(desc[i+2:], "}"), ",")
		kvs = append(kvs, kv)
		sort.Strings(kvs)
		return desc[:i] + " {" + strings.Join(kvs, ",") + "}"
	}
	return desc + " {" + kv + "}"
}

func requireTree(t *testing.T, root string, want map[string]string) {
	t.Helper()
	if diff := cmp.Diff(want, describeTree(t, root)); diff != "" {
		t.Fatalf("tree under %s (-want +got):\n%s", root, diff)
	}
}

// whiteoutFormats are the forms a test can store here, with why the
// others are skipped.
func whiteoutFormats(t *testing.T) []whiteout.Format {
	if os.Geteuid() == 0 {
		return []whiteout.Format{whiteout.AUFS, whiteout.Overlay, whiteout.OverlayUserXattr}
	}
	t.Log("overlay whiteout forms need CAP_MKNOD: testing AUFS only")
	return []whiteout.Format{whiteout.AUFS}
}
