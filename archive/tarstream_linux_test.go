package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// readAllEntries reads every entry of a tar with next/read, reading the
// content of every entry whose index has bit i of skipMask clear and
// skipping (never reading) the others, and describes what it saw: one
// line per header (the fields Apply uses), per content, per error.
func readAllEntries(next func() (*tar.Header, error), read func([]byte) (int, error), skipMask uint64) []string {
	var out []string
	budget := int64(4 << 20) // content read in all: sparse entries may claim exabytes of zeros
	for i := 0; i < 10000; i++ {
		hdr, err := next()
		if err != nil {
			return append(out, "next: "+errClass(err))
		}
		out = append(out, describeHeader(hdr))
		if i < 64 && skipMask&(1<<i) != 0 {
			continue
		}
		h := fnv.New64a()
		n, err := io.CopyN(h, readerFunc(read), min(budget, 1<<20))
		budget -= n
		out = append(out, fmt.Sprintf("content %d bytes %x", n, h.Sum64()))
		if err != nil && err != io.EOF {
			return append(out, "read: "+errClass(err))
		}
	}
	return append(out, "too many entries")
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// errClass is what Apply tells apart: the end, a malformed tar, another
// failure.
func errClass(err error) string {
	switch {
	case err == io.EOF:
		return "EOF"
	case isFormatError(err):
		return "malformed"
	}
	return "error"
}

func describeHeader(h *tar.Header) string {
	return fmt.Sprintf("%q name=%q link=%q size=%d mode=%o uid=%d gid=%d mtime=%s atime=%s dev=%d,%d pax=%v",
		h.Typeflag, h.Name, h.Linkname, h.Size, h.Mode, h.Uid, h.Gid,
		h.ModTime.UTC().Format(time.RFC3339Nano), h.AccessTime.UTC().Format(time.RFC3339Nano),
		h.Devmajor, h.Devminor, sortedRecords(h.PAXRecords))
}

func sortedRecords(m map[string]string) string {
	if len(m) == 0 {
		return "none"
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%q=%q;", k, m[k])
	}
	return b.String()
}

// checkSameAsGoTar fails unless tarStream and archive/tar read data the
// same way.
func checkSameAsGoTar(t *testing.T, data []byte, skipMask uint64) {
	t.Helper()
	gr := tar.NewReader(bytes.NewReader(data))
	want := readAllEntries(gr.Next, gr.Read, skipMask)
	s := newTarStream(bufio.NewReaderSize(bytes.NewReader(data), readBufferSize))
	got := readAllEntries(s.Next, s.Read, skipMask)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("tarStream and archive/tar differ (skip mask %b):\ngot:\n  %s\nwant:\n  %s",
			skipMask, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// fastPathTars are tars the fast path parses to the end without handing
// over, in the forms layers come in.
func fastPathTars(t testing.TB) map[string][]byte {
	long := strings.Repeat("n", 120) + "/" + strings.Repeat("f", 150)
	mk := func(format tar.Format, hdrs ...*tar.Header) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, h := range hdrs {
			h.Format = format
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			if h.Typeflag == tar.TypeReg {
				if _, err := tw.Write(bytes.Repeat([]byte("x"), int(h.Size))); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	when := time.Unix(1700000000, 123456789)
	entries := func() []*tar.Header {
		return []*tar.Header{
			{Typeflag: tar.TypeDir, Name: "etc/", Mode: 0o755, ModTime: when},
			{Typeflag: tar.TypeReg, Name: "etc/hosts", Mode: 0o644, Size: 700, Uid: 1000, Gid: 1000, ModTime: when},
			{Typeflag: tar.TypeSymlink, Name: "etc/localtime", Linkname: "/usr/share/zoneinfo/UTC", ModTime: when},
			{Typeflag: tar.TypeLink, Name: "etc/hosts2", Linkname: "etc/hosts", ModTime: when},
			{Typeflag: tar.TypeChar, Name: "dev/null", Devmajor: 1, Devminor: 3, Mode: 0o666, ModTime: when},
			{Typeflag: tar.TypeFifo, Name: "run/fifo", Mode: 0o600, ModTime: when},
			{Typeflag: tar.TypeReg, Name: long, Size: 513, ModTime: when},
			{Typeflag: tar.TypeReg, Name: "big", Size: 3 * readBufferSize, ModTime: when},
		}
	}
	withXattr := entries()
	withXattr[1].PAXRecords = map[string]string{"SCHILY.xattr.user.k": "v", "LIBARCHIVE.xattr.user.b": "YmluAA"}
	return map[string][]byte{
		"pax":   mk(tar.FormatPAX, withXattr...),
		"gnu":   mk(tar.FormatGNU, entries()...),
		"ustar": mk(tar.FormatUSTAR, []*tar.Header{{Typeflag: tar.TypeReg, Name: strings.Repeat("p", 120) + "/f", Size: 10, ModTime: time.Unix(1700000000, 0)}}...),
	}
}

func TestTarStreamMatchesGoTar(t *testing.T) {
	inputs := fastPathTars(t)
	files, _ := filepath.Glob("testdata/gotar/*.tar")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = data
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			for _, mask := range []uint64{0, 0b10101010, ^uint64(0)} {
				checkSameAsGoTar(t, data, mask)
			}
			// Cut short at a hundred points.
			for cut := 0; cut < len(data); cut += max(1, min(len(data)/97, 512)) {
				checkSameAsGoTar(t, data[:cut], 0)
			}
		})
	}
}

// The fast path must read the common forms itself: a handover would
// leave the speed to archive/tar without failing any test.
func TestTarStreamFastPathTakesLayers(t *testing.T) {
	for name, data := range fastPathTars(t) {
		s := newTarStream(bufio.NewReader(bytes.NewReader(data)))
		for {
			_, err := s.Next()
			if s.gotar != nil && !errors.Is(err, io.EOF) {
				t.Errorf("%s: handed over to archive/tar before the end (err %v)", name, err)
				break
			}
			if err != nil {
				break
			}
		}
	}
}

func FuzzTarStream(f *testing.F) {
	for _, data := range fastPathTars(f) {
		f.Add(data, uint64(0))
	}
	files, _ := filepath.Glob("testdata/gotar/*.tar")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil && len(data) < 64<<10 {
			f.Add(data, uint64(0b101))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, skipMask uint64) {
		checkSameAsGoTar(t, data, skipMask)
	})
}
