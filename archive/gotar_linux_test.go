package archive_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestApplyGoTestdata applies the tars of Go's archive/tar test suite
// (testdata/gotar, see its README): real GNU, PAX, USTAR, star, v7 and
// sparse archives, plus malformed ones. A tar that applies must give the
// tree an independent reading of it predicts.
func TestApplyGoTestdata(t *testing.T) {
	malformed := map[string]bool{
		"issue10968.tar": true, "issue11169.tar": true, "issue12435.tar": true,
		"pax-bad-hdr-file.tar": true, "pax-bad-mtime-file.tar": true,
		"pax-nul-path.tar": true, "pax-nul-xattrs.tar": true,
	}
	needsMknod := map[string]bool{"hdr-only.tar": true}
	files, err := filepath.Glob("testdata/gotar/*.tar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			root, _, err := applyLayer(t, data, testOptions(whiteout.AUFS))
			switch {
			case malformed[name]:
				require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
				return
			case needsMknod[name] && os.Geteuid() != 0:
				require.ErrorIs(t, err, graphdriver.ErrInvalidLayer, "device nodes refused without CAP_MKNOD")
				return
			}
			require.NoError(t, err)
			requireTree(t, root, modelTree(t, data))
		})
	}
}

// TestApplyKeepsHoles checks a 512 MiB GNU sparse file (Go's
// gnu-incremental.tar) stays sparse on disk.
func TestApplyKeepsHoles(t *testing.T) {
	data, err := os.ReadFile("testdata/gotar/gnu-incremental.tar")
	require.NoError(t, err)
	root, n, err := applyLayer(t, data, testOptions(whiteout.AUFS))
	require.NoError(t, err)
	var st unix.Stat_t
	require.NoError(t, unix.Stat(filepath.Join(root, "test2/sparse"), &st))
	require.Equal(t, int64(512<<20), st.Size)
	require.Less(t, st.Blocks*512, int64(1<<20), "holes were written as zeros")
	require.Equal(t, int64(512<<20+64), n, "expanded size counts")
}

// modelTree predicts, in describeTree's form, the tree a tar without
// whiteouts gives: names cleaned, implied parents 0755, the last entry
// of a path wins (a directory over a directory keeps its children),
// hardlinks share their target's description, xattrs from SCHILY records
// except security.selinux.
func modelTree(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		p := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if h.Typeflag == tar.TypeXGlobalHeader || p == "" {
			continue
		}
		desc := modelEntry(t, h, tr, out)
		if _, isDir := out[p]; !(isDir && strings.HasPrefix(out[p], "dir ") && strings.HasPrefix(desc, "dir ")) {
			for k := range out {
				if strings.HasPrefix(k, p+"/") {
					delete(out, k)
				}
			}
		}
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if _, ok := out[d]; !ok {
				out[d] = "dir 0755"
			}
		}
		out[p] = desc
	}
}

func modelEntry(t *testing.T, h *tar.Header, r io.Reader, tree map[string]string) string {
	t.Helper()
	perm := fmt.Sprintf("%04o", h.Mode&0o7777)
	var s string
	switch h.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
		s = "file " + perm + " " + describeContent(t, r)
	case tar.TypeDir, 'D':
		s = "dir " + perm
	case tar.TypeSymlink:
		return "symlink " + h.Linkname
	case tar.TypeLink:
		return tree[strings.TrimPrefix(path.Clean("/"+h.Linkname), "/")]
	case tar.TypeChar:
		s = fmt.Sprintf("char %d/%d %s", h.Devmajor, h.Devminor, perm)
	case tar.TypeBlock:
		s = fmt.Sprintf("block %d/%d %s", h.Devmajor, h.Devminor, perm)
	case tar.TypeFifo:
		s = "fifo " + perm
	default:
		t.Fatalf("model: type %q", h.Typeflag)
	}
	var xs []string
	for k, v := range h.PAXRecords {
		if key, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok && key != "security.selinux" {
			xs = append(xs, key+"="+v)
		}
	}
	if len(xs) > 0 {
		sort.Strings(xs)
		s += " {" + strings.Join(xs, ",") + "}"
	}
	return s
}
