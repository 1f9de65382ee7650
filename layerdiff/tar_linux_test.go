package layerdiff

import (
	"archive/tar"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver/internal/testsupport/ops"
)

// tarEntry is what the tests compare of a tar header and its content.
type tarEntry struct {
	Name     string
	Type     string
	Mode     int64
	UID, GID int
	Size     int64
	Content  string
	Linkname string
	Xattrs   map[string]string
	Major    int64
	Minor    int64
}

var typeNames = map[byte]string{
	tar.TypeReg: "file", tar.TypeDir: "dir", tar.TypeSymlink: "symlink", tar.TypeLink: "link",
	tar.TypeFifo: "fifo", tar.TypeChar: "char", tar.TypeBlock: "block",
}

// readTar reads a whole tar, closes r and returns its entries.
func readTar(t *testing.T, r io.ReadCloser) []tarEntry {
	t.Helper()
	defer r.Close()
	tr := tar.NewReader(r)
	var entries []tarEntry
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		ops.Must(t, err)
		body, err := io.ReadAll(tr)
		ops.Must(t, err)
		e := tarEntry{
			Name: hdr.Name, Type: typeNames[hdr.Typeflag], Mode: hdr.Mode, UID: hdr.Uid, GID: hdr.Gid,
			Size: hdr.Size, Content: string(body), Linkname: hdr.Linkname, Major: hdr.Devmajor, Minor: hdr.Devminor,
		}
		for k, v := range hdr.PAXRecords {
			if key, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
				if e.Xattrs == nil {
					e.Xattrs = map[string]string{}
				}
				e.Xattrs[key] = v
			}
		}
		entries = append(entries, e)
	}
}

// Expected tar entries, owned by the user running the tests.
func regE(name string, mode int64, content string) tarEntry {
	return tarEntry{Name: name, Type: "file", Mode: mode, UID: os.Getuid(), GID: os.Getgid(), Size: int64(len(content)), Content: content}
}

func dirE(name string, mode int64) tarEntry {
	return tarEntry{Name: name, Type: "dir", Mode: mode, UID: os.Getuid(), GID: os.Getgid()}
}

func symE(name, target string) tarEntry {
	return tarEntry{Name: name, Type: "symlink", Mode: 0o777, UID: os.Getuid(), GID: os.Getgid(), Linkname: target}
}

func linkE(name, target string, mode int64) tarEntry {
	return tarEntry{Name: name, Type: "link", Mode: mode, UID: os.Getuid(), GID: os.Getgid(), Linkname: target}
}

func fifoE(name string, mode int64) tarEntry {
	return tarEntry{Name: name, Type: "fifo", Mode: mode, UID: os.Getuid(), GID: os.Getgid()}
}

func charE(name string, mode, major, minor int64) tarEntry {
	return tarEntry{Name: name, Type: "char", Mode: mode, UID: os.Getuid(), GID: os.Getgid(), Major: major, Minor: minor}
}

// whE is a whiteout or opaque marker: whiteout.Header's fixed AUFS form.
func whE(name string) tarEntry { return tarEntry{Name: name, Type: "file", Mode: 0o644} }

func (e tarEntry) owner(uid, gid int) tarEntry { e.UID, e.GID = uid, gid; return e }

func (e tarEntry) xattr(key, value string) tarEntry {
	x := map[string]string{key: value}
	for k, v := range e.Xattrs {
		x[k] = v
	}
	e.Xattrs = x
	return e
}
