//go:build linux

package archive

// Helpers of hostile_test.go: a small DSL that builds layer tars with
// archive/tar, raw blocks for headers archive/tar refuses to write, a
// sandbox around the layer root and a snapshot of everything outside it.

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// hent is one entry of a hostile tar. Names, link names and xattr values
// may hold the placeholders that hbox.expand replaces.
type hent struct {
	hdr  tar.Header
	body string
}

func hReg(name, body string) hent {
	return hent{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body))}, body: body}
}

func hDir(name string) hent {
	return hent{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755}}
}

func hSym(name, target string) hent {
	return hent{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}}
}

func hLink(name, target string) hent {
	return hent{hdr: tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target, Mode: 0o644}}
}

func hNode(name string, typ byte, major, minor int64) hent {
	return hent{hdr: tar.Header{Typeflag: typ, Name: name, Mode: 0o644, Devmajor: major, Devminor: minor}}
}

func (e hent) mode(m int64) hent          { e.hdr.Mode = m; return e }
func (e hent) owner(uid, gid int) hent    { e.hdr.Uid, e.hdr.Gid = uid, gid; return e }
func (e hent) mtime(t time.Time) hent     { e.hdr.ModTime = t; return e }
func (e hent) format(f tar.Format) hent   { e.hdr.Format = f; return e }
func (e hent) xattr(key, val string) hent { return e.pax("SCHILY.xattr."+key, val) }

func (e hent) pax(key, val string) hent {
	recs := make(map[string]string, len(e.hdr.PAXRecords)+1)
	for k, v := range e.hdr.PAXRecords {
		recs[k] = v
	}
	recs[key] = val
	e.hdr.PAXRecords = recs
	return e
}

// hbox is one case's sandbox: tmp/base/layer is the root given to Apply;
// base/victim, base/outside-target and the host dir (a unique dir directly
// in the system temp dir) are what a hostile tar aims at.
type hbox struct {
	tmp, base, root, victim, host string
	token                         string // a unique name escapes try to create

	mu    sync.Mutex
	asked []string // what Apply asked Lower for
}

func newHbox(t *testing.T) *hbox {
	t.Helper()
	tmp := t.TempDir()
	b := &hbox{tmp: tmp, base: filepath.Join(tmp, "base"), token: "pwned-" + randHex(t)}
	b.root, b.victim = filepath.Join(b.base, "layer"), filepath.Join(b.base, "victim")
	host, err := os.MkdirTemp("", "hostile-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(host) })
	b.host = host
	must(t, os.MkdirAll(b.root, 0o755))
	must(t, os.MkdirAll(filepath.Join(b.victim, "sub"), 0o750))
	writeFile(t, filepath.Join(b.victim, "secret"), "top secret", 0o640)
	writeFile(t, filepath.Join(b.victim, "sub", "inner"), "inner", 0o600)
	writeFile(t, filepath.Join(b.base, "outside-target"), "outside", 0o600)
	writeFile(t, filepath.Join(b.host, "keep"), "host file", 0o644)
	must(t, os.MkdirAll(filepath.Join(b.base, "lower", "lowerdir"), 0o755))
	writeFile(t, filepath.Join(b.base, "lower", "lowerfile"), "lower", 0o644)
	// Best effort: where the filesystem has user xattrs, the snapshot also
	// sees an xattr forged or removed through a link.
	_ = unix.Setxattr(filepath.Join(b.victim, "secret"), "user.keep", []byte("1"), 0)
	return b
}

func randHex(t *testing.T) string {
	var p [6]byte
	_, err := rand.Read(p[:])
	must(t, err)
	return hex.EncodeToString(p[:])
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name, data string, perm os.FileMode) {
	t.Helper()
	must(t, os.WriteFile(name, []byte(data), perm))
	must(t, os.Chmod(name, perm))
}

// expand replaces $V (victim dir), $H (host dir), $B (base dir) and $T (the
// escape token) with this sandbox's absolute paths.
func (b *hbox) expand(s string) string {
	return strings.NewReplacer("$V", b.victim, "$H", b.host, "$B", b.base, "$T", b.token).Replace(s)
}

// in returns the host path of name (expanded) inside the layer root.
func (b *hbox) in(name string) string { return filepath.Join(b.root, b.expand(name)) }

// tarOf writes ents as a tar with archive/tar, end blocks included.
func (b *hbox) tarOf(t *testing.T, ents []hent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i, e := range ents {
		h := e.hdr
		h.Name, h.Linkname = b.expand(h.Name), b.expand(h.Linkname)
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("entry %d %q: %v", i, h.Name, err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatalf("entry %d %q: %v", i, h.Name, err)
		}
	}
	must(t, tw.Close())
	return buf.Bytes()
}

// ustarBlock returns a USTAR header block with a valid checksum; edit, if
// not nil, changes fields before the checksum is computed.
func ustarBlock(name string, typ byte, size int64, edit func(blk []byte)) []byte {
	blk := make([]byte, 512)
	copy(blk[0:100], name)
	copy(blk[100:108], "0000644\x00")
	copy(blk[108:116], "0000000\x00")
	copy(blk[116:124], "0000000\x00")
	copy(blk[124:136], fmt.Sprintf("%011o\x00", size))
	copy(blk[136:148], "00000000000\x00")
	blk[156] = typ
	copy(blk[257:265], "ustar\x0000")
	if edit != nil {
		edit(blk)
	}
	return setChecksum(blk)
}

func setChecksum(blk []byte) []byte {
	copy(blk[148:156], "        ")
	sum := 0
	for _, c := range blk {
		sum += int(c)
	}
	copy(blk[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return blk
}

// base256 stores v in a numeric header field in GNU's binary form.
func base256(field []byte, v int64) {
	for i := len(field) - 1; i >= 0; i-- {
		field[i] = byte(v)
		v >>= 8
	}
	field[0] |= 0x80
}

// paxBlocks returns a PAX extended header ('x') carrying records.
func paxBlocks(records ...[2]string) []byte {
	var data strings.Builder
	for _, kv := range records {
		rec := " " + kv[0] + "=" + kv[1] + "\n"
		n := len(rec) + 1
		for len(strconv.Itoa(n))+len(rec) != n {
			n = len(strconv.Itoa(n)) + len(rec)
		}
		data.WriteString(strconv.Itoa(n) + rec)
	}
	hdr := ustarBlock("PaxHeaders/x", tar.TypeXHeader, int64(data.Len()), nil)
	return append(hdr, padded(data.String())...)
}

// padded returns data followed by zeros up to a whole block.
func padded(data string) []byte {
	return append([]byte(data), make([]byte, (512-len(data)%512)%512)...)
}

// endBlocks is the end of an archive: two zero blocks.
func endBlocks() []byte { return make([]byte, 1024) }

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// hnode is what the snapshot keeps of one path outside the layer root.
type hnode struct {
	Mode         fs.FileMode
	UID, GID     uint32
	Nlink        uint64
	Rdev         uint64
	Mtime, Ctime int64
	Data         string // a regular file's content or a symlink's target
	Xattrs       map[string]string
}

// snapshot records every path under b.tmp except the layer root, plus the
// host dir.
func (b *hbox) snapshot(t *testing.T) map[string]hnode {
	t.Helper()
	snap := make(map[string]hnode)
	for _, top := range []string{b.tmp, b.host} {
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == b.root {
				return skipRoot(p, b.root, err)
			}
			snap[p], err = nodeOf(p)
			return err
		})
		must(t, err)
	}
	return snap
}

func skipRoot(p, root string, err error) error {
	if err != nil {
		return err
	}
	if p == root {
		return filepath.SkipDir
	}
	return nil
}

func nodeOf(p string) (hnode, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return hnode{}, err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return hnode{}, err
	}
	n := hnode{Mode: fi.Mode(), UID: st.Uid, GID: st.Gid, Nlink: uint64(st.Nlink), Rdev: uint64(st.Rdev),
		Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano()}
	switch {
	case fi.Mode().IsRegular():
		data, err := os.ReadFile(p)
		n.Data = string(data)
		if err != nil {
			return n, err
		}
	case fi.Mode()&fs.ModeSymlink != 0:
		n.Data, err = os.Readlink(p)
		if err != nil {
			return n, err
		}
	}
	n.Xattrs, err = xattrsOf(p)
	return n, err
}

// xattrsOf returns the xattrs of p (not following a symlink) that this
// process can see.
func xattrsOf(p string) (map[string]string, error) {
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(p, buf)
	if err == unix.ENOTSUP || err == unix.EOPNOTSUPP {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("llistxattr %s: %w", p, err)
	}
	out := make(map[string]string)
	for _, name := range strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		val := make([]byte, 64<<10)
		vn, err := unix.Lgetxattr(p, name, val)
		if err != nil {
			return nil, fmt.Errorf("lgetxattr %s %s: %w", p, name, err)
		}
		out[name] = string(val[:vn])
	}
	return out, nil
}

// checkOutside fails t when anything outside the layer root differs from
// before, or when the escape token turned up next to any ancestor of the
// root or in the host dir.
func (b *hbox) checkOutside(t *testing.T, before map[string]hnode) {
	t.Helper()
	if d := cmp.Diff(before, b.snapshot(t)); d != "" {
		t.Errorf("Apply changed paths outside the layer root (-before +after):\n%s", d)
	}
	dirs := []string{b.host}
	for d := filepath.Dir(b.root); ; d = filepath.Dir(d) {
		dirs = append(dirs, d)
		if d == "/" {
			break
		}
	}
	for _, d := range dirs {
		if _, err := os.Lstat(filepath.Join(d, b.token)); err == nil {
			t.Errorf("Apply created %s outside the layer root", filepath.Join(d, b.token))
		}
	}
}

// lowerPathOK: Lower gets a cleaned path relative to the root, never one
// that climbs out of it.
func lowerPathOK(p string) bool {
	return p != "" && p != "." && p == path.Clean(p) && !path.IsAbs(p) && p != ".." && !strings.HasPrefix(p, "../")
}

// lower is the sandbox's ApplyOptions.Lower: it serves base/lower's
// "lowerfile" and "lowerdir" and records every path it is asked for.
func (b *hbox) lower(p string) (*os.File, error) {
	b.mu.Lock()
	b.asked = append(b.asked, p)
	b.mu.Unlock()
	switch p {
	case "lowerfile", "lowerdir":
		return os.Open(filepath.Join(b.base, "lower", p))
	}
	return nil, fmt.Errorf("lower %q: %w", p, fs.ErrNotExist)
}

// checkLowerAsked: Apply asked Lower for clean paths inside the layer.
func (b *hbox) checkLowerAsked(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.asked {
		if !lowerPathOK(p) {
			t.Errorf("Apply asked Lower for %q; want a clean relative path inside the root", p)
		}
	}
}
