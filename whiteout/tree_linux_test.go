package whiteout

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	graphdriver "github.com/layerfs/graphdriver"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// snapshot describes every entry below root, by relative path: type,
// permissions, device number, size and content hash, link target and the
// xattrs this process can see. Two trees are the same when their
// snapshots are.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		tree[rel], err = describe(p)
		return err
	})
	require.NoError(t, err)
	return tree
}

func describe(p string) (string, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return "", err
	}
	desc := fmt.Sprintf("mode=%o", st.Mode)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		b, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		desc += fmt.Sprintf(" size=%d sha256=%x", len(b), sha256.Sum256(b))
	case unix.S_IFCHR, unix.S_IFBLK:
		desc += fmt.Sprintf(" dev=%d/%d", unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev)))
	case unix.S_IFLNK:
		target, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		desc += " -> " + target
	}
	xattrs, err := listXattrs(p)
	return desc + xattrs, err
}

func listXattrs(p string) (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(p, buf)
	if err != nil {
		return "", err
	}
	var keys []string
	for _, k := range strings.Split(string(buf[:n]), "\x00") {
		if k != "" && k != "security.selinux" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out string
	for _, k := range keys {
		v := make([]byte, 256)
		m, err := unix.Lgetxattr(p, k, v)
		if err != nil {
			return "", err
		}
		out += fmt.Sprintf(" %s=%q", k, v[:m])
	}
	return out, nil
}

// step is one action of the small DSL that builds test trees.
type step func(t *testing.T, root string)

func mkdirs(paths ...string) step {
	return func(t *testing.T, root string) {
		for _, p := range paths {
			require.NoError(t, os.MkdirAll(filepath.Join(root, p), 0o755))
		}
	}
}

func writeFile(p, body string) step {
	return func(t *testing.T, root string) {
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(body), 0o640))
	}
}

func symlink(p, target string) step {
	return func(t *testing.T, root string) { require.NoError(t, os.Symlink(target, filepath.Join(root, p))) }
}

func link(p, target string) step {
	return func(t *testing.T, root string) {
		require.NoError(t, os.Link(filepath.Join(root, target), filepath.Join(root, p)))
	}
}

func whiteoutIn(dir, name string, f Format) step {
	return func(t *testing.T, root string) { require.NoError(t, MakeWhiteout(filepath.Join(root, dir), name, f)) }
}

func opaqueDir(dir string, f Format) step {
	return func(t *testing.T, root string) { require.NoError(t, MakeOpaque(filepath.Join(root, dir), f)) }
}

func buildTree(t *testing.T, steps ...step) string {
	t.Helper()
	root := t.TempDir()
	for _, s := range steps {
		s(t, root)
	}
	return root
}

// layerSteps builds a layer with whiteouts and opaque dirs in form f.
func layerSteps(f Format) []step {
	return []step{
		mkdirs("etc/opaque/sub", "usr/bin", "var/empty"),
		writeFile("etc/hosts", "127.0.0.1 localhost\n"),
		writeFile("etc/opaque/sub/f", "f"),
		link("usr/bin/hard", "etc/hosts"),
		symlink("usr/bin/sh", "/bin/busybox"),
		whiteoutIn("", "gone", f),
		whiteoutIn("etc", "passwd", f),
		whiteoutIn("usr/bin", "..hidden", f),
		opaqueDir("etc/opaque", f),
		opaqueDir("var/empty", f),
		opaqueDir("", f),
	}
}

// A diff dir converted to an overlay form and back is the same tree.
func TestConvertTreeRoundTrip(t *testing.T) {
	for _, f := range []Format{Overlay, OverlayUserXattr} {
		t.Run(f.String(), func(t *testing.T) {
			needFormat(t, f)
			root := buildTree(t, layerSteps(AUFS)...)
			want := snapshot(t, root)
			require.NoError(t, ConvertTree(root, AUFS, f))
			if diff := cmp.Diff(snapshot(t, buildTree(t, layerSteps(f)...)), snapshot(t, root)); diff != "" {
				t.Fatalf("%s form (-want +got):\n%s", f, diff)
			}
			require.NoError(t, ConvertTree(root, f, AUFS))
			if diff := cmp.Diff(want, snapshot(t, root)); diff != "" {
				t.Fatalf("after the round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConvertTreeBetweenOverlayForms(t *testing.T) {
	needFormat(t, Overlay)
	needFormat(t, OverlayUserXattr)
	root := buildTree(t, layerSteps(Overlay)...)
	require.NoError(t, ConvertTree(root, Overlay, OverlayUserXattr))
	require.Equal(t, snapshot(t, buildTree(t, layerSteps(OverlayUserXattr)...)), snapshot(t, root))
}

// aufs makes whiteouts as hardlinks of .wh..wh.aufs and keeps plnk and
// orph at the root: they stay, unwalked.
func TestConvertTreeAUFSMetadata(t *testing.T) {
	needFormat(t, OverlayUserXattr)
	root := buildTree(t,
		mkdirs(PlinkName, OrphName, "a"),
		writeFile(AufsName, ""),
		writeFile(PlinkName+"/12.34", "data"),
		writeFile(PlinkName+"/.wh..", ""), // never walked, so never rejected
		link("a/.wh.x", AufsName),
		link("a/.wh.y", AufsName),
	)
	require.NoError(t, ConvertTree(root, AUFS, OverlayUserXattr))
	got := snapshot(t, root)
	for _, p := range []string{AufsName, PlinkName + "/12.34", PlinkName + "/.wh..", OrphName} {
		require.Contains(t, got, p)
	}
	require.Equal(t, "mode=20000 dev=0/0", got["a/x"])
	require.Equal(t, "mode=20000 dev=0/0", got["a/y"])
	require.NotContains(t, got, "a/.wh.x")
}

// A whiteout hides lower layers only: next to an entry of its own name in
// the same layer it goes, and a directory of that name becomes opaque.
func TestConvertTreeWhiteoutNextToItsName(t *testing.T) {
	needFormat(t, OverlayUserXattr)
	root := buildTree(t, mkdirs("d"), writeFile("f", "x"), writeFile(".wh.d", ""), writeFile(".wh.f", ""))
	require.NoError(t, ConvertTree(root, AUFS, OverlayUserXattr))
	got := snapshot(t, root)
	require.NotContains(t, got, ".wh.d")
	require.NotContains(t, got, ".wh.f")
	require.Equal(t, `mode=40755 user.overlay.opaque="y"`, got["d"])
	require.Contains(t, got["f"], "mode=100640 size=1")
}

func TestConvertTreeRejects(t *testing.T) {
	tests := []struct {
		name     string
		steps    []step
		from, to Format
		path     string
	}{
		{"malformed whiteout", []step{mkdirs("a"), writeFile("a/.wh.x", ""), writeFile("a/.wh..", "")}, AUFS, Overlay, "a/.wh.."},
		{"reserved name", []step{writeFile(".wh.x", ""), writeFile(".wh..wh.foo", "")}, AUFS, Overlay, ".wh..wh.foo"},
		{"metadata below root", []step{mkdirs("a/" + PlinkName)}, AUFS, OverlayUserXattr, "a/" + PlinkName},
		{"whiteout dir", []step{writeFile(".wh.x", ""), mkdirs("b/.wh.y")}, AUFS, Overlay, "b/.wh.y"},
		{"marker symlink", []step{writeFile(".wh.x", ""), symlink(OpaqueName, "/etc")}, AUFS, Overlay, OpaqueName},
		{"whiteout name in overlay form", []step{mkdirs("a"), opaqueDir("a", OverlayUserXattr), writeFile("a/.wh.x", "")}, OverlayUserXattr, AUFS, "a/.wh.x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.from != AUFS {
				needXattr(t, tc.from.OpaqueXattr())
			}
			root := buildTree(t, tc.steps...)
			before := snapshot(t, root)
			err := ConvertTree(root, tc.from, tc.to)
			require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
			require.Contains(t, err.Error(), tc.path+":")
			require.Equal(t, before, snapshot(t, root), "a rejected tree is left as it was")
		})
	}
}

// Symlinks are never followed: not to a directory holding whiteouts, not
// as the root.
func TestConvertTreeSymlinks(t *testing.T) {
	outside := buildTree(t, writeFile(".wh.x", ""), writeFile(OpaqueName, ""))
	before := snapshot(t, outside)
	root := buildTree(t, symlink("d", outside), symlink(".wh.l", outside))
	err := ConvertTree(root, AUFS, OverlayUserXattr)
	require.ErrorIs(t, err, graphdriver.ErrInvalidLayer, "a whiteout must be a regular file, not a symlink")
	root = buildTree(t, symlink("d", outside))
	require.NoError(t, ConvertTree(root, AUFS, OverlayUserXattr))
	require.Equal(t, before, snapshot(t, outside))

	link := filepath.Join(t.TempDir(), "root")
	require.NoError(t, os.Symlink(outside, link))
	requireNotFollowed(t, ConvertTree(link, AUFS, OverlayUserXattr))
	require.Equal(t, before, snapshot(t, outside))
}

// Where mknod of a whiteout is denied (before Linux 5.8 without
// CAP_MKNOD), the first whiteout fails before anything changed.
func TestConvertTreeUnprivileged(t *testing.T) {
	if unix.Mknod(filepath.Join(t.TempDir(), "probe"), unix.S_IFCHR, 0) == nil {
		t.Skip("this process can mknod a 0/0 whiteout (root, or any user on Linux 5.8 and later): the EPERM path cannot be seen")
	}
	root := buildTree(t, mkdirs("a"), writeFile("a/.wh.x", ""))
	before := snapshot(t, root)
	err := ConvertTree(root, AUFS, OverlayUserXattr)
	require.ErrorIs(t, err, unix.EPERM)
	require.Contains(t, err.Error(), "a/x")
	require.Equal(t, before, snapshot(t, root))
}

func TestConvertTreeSameFormatOnlyChecks(t *testing.T) {
	root := buildTree(t, layerSteps(AUFS)...)
	before := snapshot(t, root)
	require.NoError(t, ConvertTree(root, AUFS, AUFS))
	require.Equal(t, before, snapshot(t, root))
	require.ErrorIs(t, ConvertTree(root, AUFS, Format(5)), graphdriver.ErrNotSupported)
}
