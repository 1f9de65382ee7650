package whiteout

import (
	"archive/tar"
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzWhiteoutConvert feeds ConvertTar arbitrary tars: the input is a
// mode byte (bits 0-1 pick one of fuzzTrips, bit 2 says data is a raw
// tar) and data, a raw tar or a script that scriptTar writes as a tar
// (raw bytes rarely get past tar's header checksums). Properties:
//
//  1. ConvertTar never panics; it accepts the tar or returns an error.
//  2. Whatever it writes, it reads back: if converting x from the AUFS
//     form to the overlay form gives a, then a converts back to the AUFS
//     form (b) and b to the overlay form again (c) without error, and c
//     has the same entries as a. The same holds starting from the overlay
//     form. So a trip through the other form loses nothing ConvertTar
//     kept, and ConvertTar's own output is a fixed point of the trip.
//
// Entries are compared by summary (name, type, size, link, mode, owner,
// device, xattrs, body hash), not bytes, so that the property is about
// this package and not about how archive/tar re-encodes a header it read.
// It is not "b equals x": a trip normalizes (a marker after its
// directory's children comes back as a repeated header plus marker, a
// whiteout of a directory listed before it comes back as an opaque
// marker), which is why the property starts from the first output.
func FuzzWhiteoutConvert(f *testing.F) {
	for _, script := range fuzzScripts {
		for dir := range uint8(len(fuzzTrips)) {
			f.Add(dir, script)
		}
	}
	// Raw seeds are one USTAR block each, without the end of the archive:
	// the minimizer's time grows with the input's size.
	f.Add(uint8(4), buildTar(f, aufsWh("a/.wh..wh..opq"))[:512])
	f.Add(uint8(6), buildTar(f, dev00("a/b"))[:512])
	f.Fuzz(func(t *testing.T, mode uint8, data []byte) {
		if mode&4 == 0 {
			if len(data) > maxScript {
				return
			}
			data = scriptTar(data)
		} else if len(data) > maxRawTar {
			return
		}
		checkRoundTrip(t, data, fuzzTrips[mode&3])
	})
}

// Bounds on the inputs tried: larger ones find nothing that smaller ones
// do not, and the minimizer's time grows with the size of what it
// minimizes (on a busy 2-CPU machine it spent whole runs minimizing).
const (
	maxScript = 256     // 64 entries
	maxRawTar = 3 * 512 // three header blocks
)

var fuzzTrips = [][2]Format{{AUFS, Overlay}, {AUFS, OverlayUserXattr}, {Overlay, AUFS}, {OverlayUserXattr, AUFS}}

// fuzzScripts are seeds for scriptTar: an AUFS layer, an overlay layer,
// malformed names, markers and whiteouts out of order.
var fuzzScripts = [][]byte{
	{1, 0, 14, 1, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 0, 1, 0, 2, 14, 0, 3, 1, 14, 0},
	{6, 0, 14, 1, 2, 0, 1, 0, 3, 0, 0, 16, 7, 1, 14, 0, 0, 5, 0, 1},
	{0, 8, 14, 0, 0, 13, 14, 0, 0, 0, 7, 0},
	{0, 0, 4, 0, 1, 0, 14, 0, 0, 0, 0, 2, 0, 2, 14, 0, 2, 1, 14, 0, 1, 1, 14, 0},
}

// checkRoundTrip checks property 2 for the tar x and one trip.
func checkRoundTrip(t *testing.T, x []byte, trip [2]Format) {
	t.Helper()
	there, back := trip[0], trip[1]
	a, err := convertBytes(x, there, back)
	if err != nil {
		return
	}
	b, err := convertBytes(a, back, there)
	if errors.Is(err, errCapped) {
		return // the trip adds markers: it may cross the cap
	}
	if err != nil {
		t.Fatalf("%s->%s output rejected going back: %v", there, back, err)
	}
	c, err := convertBytes(b, there, back)
	if errors.Is(err, errCapped) {
		return
	}
	if err != nil {
		t.Fatalf("%s->%s->%s output rejected: %v", there, back, there, err)
	}
	sa, errA := summary(a)
	sc, errC := summary(c)
	if errA != nil || errC != nil {
		t.Fatalf("output unreadable: %v, %v", errA, errC)
	}
	if diff := cmp.Diff(sa, sc); diff != "" {
		t.Fatalf("%s->%s not stable over a round trip (-first +again):\n%s", there, back, diff)
	}
}

// scriptNames are the path elements of scripts: rich in whiteout
// look-alikes.
var scriptNames = []string{
	"a", "b", ".wh.a", ".wh.b", OpaqueName, PlinkName, AufsName, ".wh.",
	".wh..", ".", "..", ".WH.a", "é", ".wh..wh.x",
}

// scriptTar reads a script of 4-byte entries and writes them as a tar:
// a type, two path elements (scriptNames) and a byte of extras. Entries
// the tar writer refuses are left out.
func scriptTar(script []byte) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; i+4 <= len(script); i += 4 {
		typ, n1, n2, extra := script[i], script[i+1], script[i+2], script[i+3]
		name := scriptPath(n1, n2)
		hdr := &tar.Header{Name: name, Mode: int64(extra) & 0o7, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		switch typ % 8 {
		case 0:
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(extra%3)
		case 1, 6, 7:
			hdr.Typeflag = tar.TypeDir
			if extra&1 != 0 {
				hdr.Name += "/"
			}
			xattr := map[byte]string{6: OverlayOpaqueXattr, 7: UserOverlayOpaqueXattr}[typ%8]
			if xattr != "" {
				hdr.PAXRecords = map[string]string{schilyXattr + xattr: "y", schilyXattr + "user.k": "v"}
			}
		case 2:
			hdr.Typeflag = tar.TypeChar
		case 3:
			hdr.Typeflag, hdr.Linkname = tar.TypeLink, scriptPath(extra, extra>>4)
		case 4:
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, "/"+scriptPath(extra, 0)
		case 5:
			hdr.Typeflag, hdr.Devmajor, hdr.Devminor = tar.TypeChar, 1, int64(extra%4)
		}
		if tw.WriteHeader(hdr) != nil {
			continue
		}
		_, _ = tw.Write(bytes.Repeat([]byte{extra}, int(hdr.Size)))
	}
	_ = tw.Close()
	return buf.Bytes()
}

func scriptPath(n1, n2 byte) string {
	p := scriptNames[int(n1)%len(scriptNames)]
	if i := int(n2) % (len(scriptNames) + 1); i < len(scriptNames) {
		p += "/" + scriptNames[i]
	}
	return p
}

// convertBytes converts with the output capped at 1 MiB: a sparse entry
// of a few bytes can expand to terabytes, which only slows the fuzzer.
func convertBytes(src []byte, from, to Format) ([]byte, error) {
	out := &cappedBuffer{max: 1 << 20}
	err := ConvertTar(out, bytes.NewReader(src), from, to)
	return out.Bytes(), err
}

type cappedBuffer struct {
	bytes.Buffer
	max int
}

var errCapped = errors.New("output over the fuzzing cap")

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errCapped
	}
	return b.Buffer.Write(p)
}
