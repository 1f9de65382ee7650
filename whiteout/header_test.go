package whiteout

import (
	"archive/tar"
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHeader(t *testing.T) {
	tests := []struct {
		name string
		f    Format
		want tar.Header
	}{
		{"aufs whiteout", AUFS, tar.Header{Typeflag: tar.TypeReg, Name: "a/.wh.x", Mode: 0o644, ModTime: time.Unix(0, 0).UTC(), Format: tar.FormatPAX}},
		{"overlay whiteout", Overlay, tar.Header{Typeflag: tar.TypeChar, Name: "a/x", Mode: 0, ModTime: time.Unix(0, 0).UTC(), Format: tar.FormatPAX}},
		{"userxattr whiteout", OverlayUserXattr, tar.Header{Typeflag: tar.TypeChar, Name: "a/x", Mode: 0, ModTime: time.Unix(0, 0).UTC(), Format: tar.FormatPAX}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Header(tc.want.Name, tc.f)
			require.Equal(t, tc.want, *got)
			require.Equal(t, writeHeader(t, got), writeHeader(t, Header(tc.want.Name, tc.f)))
		})
	}
}

// The canonical header needs no PAX record: one 512-byte USTAR block.
func TestHeaderIsOneBlock(t *testing.T) {
	b := writeHeader(t, Header("a/.wh..wh..opq", AUFS))
	require.Len(t, b, 512)
	require.Equal(t, "ustar\x0000", string(b[257:265]))
}

func writeHeader(t *testing.T, hdr *tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, tw.WriteHeader(hdr))
	require.NoError(t, tw.Flush())
	return buf.Bytes()
}

func TestRecordXattr(t *testing.T) {
	tests := []struct {
		name, record, value string
		wantName, wantValue string
		wantOK              bool
	}{
		{"schily", "SCHILY.xattr.user.a", "v", "user.a", "v", true},
		{"libarchive", "LIBARCHIVE.xattr.trusted.overlay.opaque", "eQ==", "trusted.overlay.opaque", "y", true},
		{"libarchive unpadded, escaped", "LIBARCHIVE.xattr.user.a%3Db", "eQ", "user.a=b", "y", true},
		{"not an xattr", "mtime", "1", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name, value, ok := recordXattr(tc.record, tc.value)
			require.Equal(t, tc.wantOK, ok)
			require.Equal(t, tc.wantName, name)
			require.Equal(t, tc.wantValue, value)
		})
	}
}
