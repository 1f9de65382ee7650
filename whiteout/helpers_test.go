package whiteout

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ent is one tar entry as the tests write and read it. Xattrs are
// SCHILY.xattr records; Records are other PAX records to write as given.
type ent struct {
	Name   string
	Type   byte
	Body   string
	Link   string
	Major  int64
	Minor  int64
	Mode   int64
	Xattrs map[string]string
	// Records are written only; readTar folds xattr records into Xattrs.
	Records map[string]string
}

func dir(name string, xattrs ...string) ent {
	e := ent{Name: name, Type: tar.TypeDir, Mode: 0o755}
	for i := 0; i+1 < len(xattrs); i += 2 {
		if e.Xattrs == nil {
			e.Xattrs = map[string]string{}
		}
		e.Xattrs[xattrs[i]] = xattrs[i+1]
	}
	return e
}

func file(name, body string) ent {
	return ent{Name: name, Type: tar.TypeReg, Body: body, Mode: 0o644}
}

func hardlink(name, target string) ent {
	return ent{Name: name, Type: tar.TypeLink, Link: target, Mode: 0o644}
}

// aufsWh is an AUFS whiteout or marker as Header writes it.
func aufsWh(name string) ent { return ent{Name: name, Type: tar.TypeReg, Mode: MarkerPerm} }

// dev00 is an overlay whiteout as Header writes it.
func dev00(name string) ent { return ent{Name: name, Type: tar.TypeChar, Mode: DevicePerm} }

func opq(name string) ent { return dir(name, OverlayOpaqueXattr, "y") }

// buildTar writes ents with fixed metadata, so the same list gives the
// same bytes.
func buildTar(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		hdr := &tar.Header{
			Name: e.Name, Typeflag: e.Type, Linkname: e.Link, Mode: e.Mode,
			Devmajor: e.Major, Devminor: e.Minor, ModTime: time.Unix(0, 0),
			Size: int64(len(e.Body)), Format: tar.FormatPAX,
		}
		if e.Type != tar.TypeReg {
			hdr.Size = 0
		}
		for k, v := range e.Xattrs {
			setRecord(hdr, schilyXattr+k, v)
		}
		for k, v := range e.Records {
			setRecord(hdr, k, v)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("build tar: %s: %v", e.Name, err)
		}
		if _, err := io.WriteString(tw, e.Body); err != nil {
			t.Fatalf("build tar: %s: %v", e.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func setRecord(hdr *tar.Header, k, v string) {
	if hdr.PAXRecords == nil {
		hdr.PAXRecords = map[string]string{}
	}
	hdr.PAXRecords[k] = v
}

// readTar reads a tar back into ents.
func readTar(t testing.TB, b []byte) []ent {
	t.Helper()
	ents, err := parseTar(b)
	if err != nil {
		t.Fatalf("read tar: %v", err)
	}
	return ents
}

func parseTar(b []byte) ([]ent, error) {
	var ents []ent
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return ents, nil
		}
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		e := ent{
			Name: hdr.Name, Type: hdr.Typeflag, Body: string(body), Link: hdr.Linkname,
			Major: hdr.Devmajor, Minor: hdr.Devminor, Mode: hdr.Mode,
		}
		for k, v := range hdr.PAXRecords {
			if name, val, ok := recordXattr(k, v); ok {
				if e.Xattrs == nil {
					e.Xattrs = map[string]string{}
				}
				e.Xattrs[name] = val
			}
		}
		ents = append(ents, e)
	}
}

// convert runs ConvertTar on a built tar.
func convert(t testing.TB, src []byte, from, to Format) ([]byte, error) {
	t.Helper()
	var out bytes.Buffer
	err := ConvertTar(&out, bytes.NewReader(src), from, to)
	return out.Bytes(), err
}

// summary is what the fuzz property compares: per entry its name, type,
// size, link, mode, owner, device, xattrs and a hash of its body.
func summary(b []byte) ([]string, error) {
	var lines []string
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return lines, nil
		}
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		if _, err := io.Copy(h, tr); err != nil {
			return nil, err
		}
		var xattrs []string
		for _, k := range slices.Sorted(maps.Keys(hdr.PAXRecords)) {
			if name, val, ok := recordXattr(k, hdr.PAXRecords[k]); ok {
				xattrs = append(xattrs, name+"="+val)
			}
		}
		lines = append(lines, strings.Join([]string{
			hdr.Name, string(hdr.Typeflag), itoa(hdr.Size), hdr.Linkname, itoa(hdr.Mode),
			itoa(int64(hdr.Uid)), itoa(int64(hdr.Gid)), itoa(hdr.Devmajor), itoa(hdr.Devminor),
			strings.Join(xattrs, ","), hex.EncodeToString(h.Sum(nil)),
		}, "|"))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
