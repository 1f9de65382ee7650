package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// wTree makes a small tree with one of each kind Write handles.
func wTree(t *testing.T) (root string, xattrs bool) {
	t.Helper()
	root = t.TempDir()
	in := func(p string) string { return filepath.Join(root, p) }
	wMust(t, os.Mkdir(in("d"), 0o700))
	wMust(t, os.WriteFile(in("d/f"), []byte("content\n"), 0o600))
	wMust(t, os.Link(in("d/f"), in("d/g")))
	wMust(t, os.Symlink("../elsewhere", in("l")))
	wMust(t, unix.Mkfifo(in("p"), 0o600))
	wMust(t, unix.Chmod(in("d"), 0o1777))
	wMust(t, unix.Chmod(in("d/f"), 0o4750))
	wMust(t, unix.Chmod(in("p"), 0o640))
	wSocket(t, in("s"))
	err := unix.Lsetxattr(in("d/f"), "user.k", []byte("v\x00binary"), 0)
	if err == nil {
		wMust(t, unix.Lsetxattr(in("d/f"), "user.overlay.opaque", []byte("y"), 0))
	}
	for _, p := range []string{"d/f", "d", "l", "p"} {
		wMust(t, wTouch(in(p), wTime))
	}
	return root, err == nil
}

var wTime = time.Unix(1_600_000_000, 123_456_789)

func wTouch(p string, tm time.Time) error {
	ts := unix.NsecToTimespec(tm.UnixNano())
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
}

// wSocket makes a unix socket at p, bound in a short directory (socket
// paths are limited to 108 bytes) and renamed into place.
func wSocket(t *testing.T, p string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "s")
	wMust(t, err)
	defer os.RemoveAll(dir)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	wMust(t, err)
	defer unix.Close(fd)
	wMust(t, unix.Bind(fd, &unix.SockaddrUnix{Name: filepath.Join(dir, "s")}))
	wMust(t, os.Rename(filepath.Join(dir, "s"), p))
}

func wMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wHeaders reads a tar and returns its headers with the content of each
// regular file in PAXRecords["content"], for comparison.
func wHeaders(t *testing.T, b []byte) []*tar.Header {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var hdrs []*tar.Header
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return hdrs
		}
		wMust(t, err)
		body, err := io.ReadAll(tr)
		wMust(t, err)
		if len(body) > 0 {
			if hdr.PAXRecords == nil {
				hdr.PAXRecords = map[string]string{}
			}
			hdr.PAXRecords["content"] = string(body)
		}
		hdr.Xattrs = nil //lint:ignore SA1019 mirrors PAXRecords; compared there
		hdr.Format = 0   // the reader reports what it saw, not what was asked
		hdrs = append(hdrs, hdr)
	}
}

func wWrite(t *testing.T, root string, entries []Entry, opts *WriteOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, root, entries, opts); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestWriteHeaders(t *testing.T) {
	root, xattrs := wTree(t)
	entries := []Entry{wp("p"), wp("l"), wp("s"), wp("d/g"), wp("d/f"), wp("d"), ww("d/gone"), wo("d"), wo("."), ww("x")}
	SortEntries(entries)
	got := wHeaders(t, wWrite(t, root, entries, nil))

	uid, gid := os.Getuid(), os.Getgid()
	mtime := time.Unix(wTime.Unix(), int64(wTime.Nanosecond()))
	var xattrRecs map[string]string
	if xattrs { // user.overlay.opaque is set too, and left out
		xattrRecs = map[string]string{"SCHILY.xattr.user.k": "v\x00binary"}
	}
	fileRecs := wRecords(xattrRecs)
	fileRecs["content"] = "content\n"
	marker := func(name string) *tar.Header {
		h := whiteout.Header(name, whiteout.AUFS)
		h.Format = 0
		return h
	}
	want := []*tar.Header{
		marker(".wh..wh..opq"),
		marker(".wh.x"),
		{Typeflag: tar.TypeDir, Name: "d/", Mode: 0o1777, Uid: uid, Gid: gid, ModTime: mtime,
			PAXRecords: wRecords(nil)},
		marker("d/.wh..wh..opq"),
		marker("d/.wh.gone"),
		{Typeflag: tar.TypeReg, Name: "d/f", Mode: 0o4750, Uid: uid, Gid: gid, Size: 8, ModTime: mtime, PAXRecords: fileRecs},
		{Typeflag: tar.TypeLink, Name: "d/g", Linkname: "d/f", Mode: 0o4750, Uid: uid, Gid: gid, ModTime: mtime,
			PAXRecords: wRecords(xattrRecs)},
		{Typeflag: tar.TypeSymlink, Name: "l", Linkname: "../elsewhere", Mode: 0o777, Uid: uid, Gid: gid, ModTime: mtime,
			PAXRecords: wRecords(nil)},
		{Typeflag: tar.TypeFifo, Name: "p", Mode: 0o640, Uid: uid, Gid: gid, ModTime: mtime,
			PAXRecords: wRecords(nil)},
		// s, a socket, is left out.
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	for _, h := range got {
		if !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: atime %v, ctime %v, uname %q, gname %q: want none", h.Name, h.AccessTime, h.ChangeTime, h.Uname, h.Gname)
		}
	}
}

// wRecords returns the PAX records of an entry of wTree: its nanosecond
// mtime and recs.
func wRecords(recs map[string]string) map[string]string {
	out := map[string]string{"mtime": "1600000000.123456789"}
	for k, v := range recs {
		out[k] = v
	}
	return out
}

func TestWriteIDMap(t *testing.T) {
	root := t.TempDir()
	wMust(t, os.WriteFile(filepath.Join(root, "f"), nil, 0o644))
	uid, gid := os.Getuid(), os.Getgid()
	tests := []struct {
		name    string
		idMap   graphdriver.IDMap
		wantUID int
		wantGID int
		wantErr string
	}{
		{name: "identity", wantUID: uid, wantGID: gid},
		{name: "host owner back to container root",
			idMap: graphdriver.IDMap{
				UIDs: []graphdriver.IDMapping{{ContainerID: 0, HostID: uid, Size: 1}},
				GIDs: []graphdriver.IDMapping{{ContainerID: 0, HostID: gid, Size: 1}},
			}},
		{name: "unmapped owner",
			idMap: graphdriver.IDMap{
				UIDs: []graphdriver.IDMapping{{ContainerID: 0, HostID: uid + 1, Size: 1}},
				GIDs: []graphdriver.IDMapping{{ContainerID: 0, HostID: gid, Size: 1}},
			},
			wantErr: "f: owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, root, []Entry{wp("f")}, &WriteOptions{IDMap: tt.idMap})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Write = %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			wMust(t, err)
			h := wHeaders(t, buf.Bytes())[0]
			if h.Uid != tt.wantUID || h.Gid != tt.wantGID {
				t.Errorf("owner %d:%d, want %d:%d", h.Uid, h.Gid, tt.wantUID, tt.wantGID)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	root := t.TempDir()
	wMust(t, os.WriteFile(filepath.Join(root, "secret"), []byte("x"), 0))
	tests := []struct {
		name    string
		entries []Entry
		nonRoot string // skip as root, for this reason
		wantErr string
		errno   error
	}{
		{name: "out of order", entries: []Entry{wp("b"), wp("a")}, wantErr: `path "a" after path "b": entries out of order`},
		{name: "repeated", entries: []Entry{wp("a"), wp("a")}, wantErr: "out of order or repeated"},
		{name: "whiteout after sibling", entries: []Entry{wp("a"), ww("b")}, wantErr: "out of order"},
		{name: "unclean path", entries: []Entry{wp("a//b")}, wantErr: "not a clean path"},
		{name: "reserved name", entries: []Entry{wp(".wh.a")}, wantErr: "reads as a whiteout"},
		{name: "missing path", entries: []Entry{wp("gone")}, wantErr: "lstat gone", errno: unix.ENOENT},
		{name: "unreadable file", entries: []Entry{wp("secret")}, nonRoot: "root reads a mode 0 file",
			wantErr: "open secret", errno: unix.EACCES},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.nonRoot != "" && os.Geteuid() == 0 {
				t.Skipf("needs an unprivileged user: %s", tt.nonRoot)
			}
			err := Write(io.Discard, root, tt.entries, nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Write = %v, want an error with %q", err, tt.wantErr)
			}
			if tt.errno != nil && !errors.Is(err, tt.errno) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.errno)
			}
		})
	}
}

func TestWriteMissingRoot(t *testing.T) {
	err := Write(io.Discard, filepath.Join(t.TempDir(), "none"), nil, nil)
	if !errors.Is(err, unix.ENOENT) {
		t.Fatalf("Write to a missing root = %v, want ENOENT", err)
	}
}

// TestWriteDeterministic writes the same entries twice: no wall clock, no
// map order may reach the bytes.
func TestWriteDeterministic(t *testing.T) {
	root, _ := wTree(t)
	entries := []Entry{wo("."), ww("a"), wp("d"), ww("d/x"), wp("d/f"), wp("d/g"), wp("l"), wp("p")}
	first := wWrite(t, root, entries, nil)
	second := wWrite(t, root, entries, nil)
	if !bytes.Equal(first, second) {
		t.Fatal("two writes of one tree differ")
	}
}
