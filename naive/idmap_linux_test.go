package naive

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
)

// TestIDMap stores a layer for a user namespace: owners on disk are the
// host ids the map gives, the empty root belongs to the remapped root,
// and Diff maps them back to the container ids of the tar.
func TestIDMap(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skipf("needs root: files owned by remapped ids (running as uid %d)", os.Geteuid())
	}
	m := []graphdriver.IDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	d, err := New(t.TempDir(), nil, graphdriver.IDMap{UIDs: m, GIDs: m})
	ops.Must(t, err)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	for _, h := range []*tar.Header{
		{Typeflag: tar.TypeReg, Name: "root-file", Mode: 0o644, Uid: 0, Gid: 0, ModTime: mtime, Format: tar.FormatPAX},
		{Typeflag: tar.TypeReg, Name: "daemon-file", Mode: 0o644, Uid: 1, Gid: 1, ModTime: mtime, Format: tar.FormatPAX},
	} {
		ops.Must(t, tw.WriteHeader(h))
	}
	ops.Must(t, tw.Close())
	ops.Must(t, d.CreateReadWrite("l", "", nil))
	if _, err := d.ApplyDiff("l", "", bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	dir, err := d.Get("l", "")
	ops.Must(t, err)
	for name, want := range map[string]uint32{".": 100000, "root-file": 100000, "daemon-file": 100001} {
		fi, err := os.Lstat(filepath.Join(dir, name))
		ops.Must(t, err)
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != want || st.Gid != want {
			t.Errorf("%s owned by %d:%d in the view, want %d:%d", name, st.Uid, st.Gid, want, want)
		}
	}
	ops.Must(t, d.Put("l"))
	rc, err := d.Diff("l", "")
	ops.Must(t, err)
	defer rc.Close()
	tr := tar.NewReader(rc)
	owners := map[string]int{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		ops.Must(t, err)
		owners[h.Name] = h.Uid
	}
	if owners["root-file"] != 0 || owners["daemon-file"] != 1 {
		t.Errorf("Diff owners = %v, want root-file 0 and daemon-file 1", owners)
	}
}
