package archive_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Sparse tars built block by block: archive/tar reads GNU sparse files
// but cannot write them.

// sparseFragment is a data region of a sparse file.
type sparseFragment struct {
	off  int64
	data []byte
}

const sparseSize = 4 << 20 // ends in a hole

func sparseFragments() []sparseFragment {
	return []sparseFragment{
		{0, bytes.Repeat([]byte("A"), 4096)},
		{2 << 20, bytes.Repeat([]byte("B"), 8192)},
	}
}

// rawHeader returns one 512-byte tar header block. gnu selects the old
// GNU magic ("ustar  \x00") over the POSIX one; fill writes extra fields
// before the checksum is computed.
func rawHeader(name string, typ byte, size int64, gnu bool, fill func(b []byte)) []byte {
	b := make([]byte, 512)
	copy(b[0:], name)
	copy(b[100:], "0000644\x00")
	copy(b[108:], "0000000\x00")
	copy(b[116:], "0000000\x00")
	copy(b[124:], fmt.Sprintf("%011o\x00", size))
	copy(b[136:], fmt.Sprintf("%011o\x00", 1_600_000_000))
	b[156] = typ
	if gnu {
		copy(b[257:], "ustar  \x00")
	} else {
		copy(b[257:], "ustar\x0000")
	}
	if fill != nil {
		fill(b)
	}
	copy(b[148:], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	copy(b[148:], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

func pad512(b []byte) []byte {
	if r := len(b) % 512; r != 0 {
		b = append(b, make([]byte, 512-r)...)
	}
	return b
}

// gnuOldSparseTar is an old GNU sparse ('S') entry with the map in its
// header.
func gnuOldSparseTar(name string) []byte {
	frags := sparseFragments()
	var data []byte
	for _, f := range frags {
		data = append(data, f.data...)
	}
	hdr := rawHeader(name, 'S', int64(len(data)), true, func(b []byte) {
		for i, f := range frags {
			copy(b[386+24*i:], fmt.Sprintf("%011o\x00", f.off))
			copy(b[386+24*i+12:], fmt.Sprintf("%011o\x00", len(f.data)))
		}
		copy(b[483:], fmt.Sprintf("%011o\x00", sparseSize))
	})
	out := append(hdr, pad512(data)...)
	return append(out, make([]byte, 1024)...)
}

// paxSparseTar is a PAX 1.0 sparse entry: GNU.sparse.* records, and the
// map as decimal lines at the start of the data.
func paxSparseTar(name string) []byte {
	frags := sparseFragments()
	sparseMap := strconv.Itoa(len(frags)) + "\n"
	var data []byte
	for _, f := range frags {
		sparseMap += fmt.Sprintf("%d\n%d\n", f.off, len(f.data))
		data = append(data, f.data...)
	}
	body := append(pad512([]byte(sparseMap)), data...)
	var recs []byte
	for _, kv := range [][2]string{{"GNU.sparse.major", "1"}, {"GNU.sparse.minor", "0"}, {"GNU.sparse.name", name}, {"GNU.sparse.realsize", strconv.Itoa(sparseSize)}} {
		recs = append(recs, paxRecord(kv[0], kv[1])...)
	}
	out := rawHeader("PaxHeaders/x", 'x', int64(len(recs)), false, nil)
	out = append(out, pad512(recs)...)
	out = append(out, rawHeader("GNUSparseFile.0/"+name, '0', int64(len(body)), false, nil)...)
	out = append(out, pad512(body)...)
	return append(out, make([]byte, 1024)...)
}

// paxRecord is "<len> <key>=<value>\n", where len counts itself.
func paxRecord(k, v string) []byte {
	n := len(k) + len(v) + 3
	for {
		s := fmt.Sprintf("%d %s=%s\n", n, k, v)
		if len(s) == n {
			return []byte(s)
		}
		n = len(s)
	}
}

func TestApplySparse(t *testing.T) {
	want := make([]byte, sparseSize)
	for _, f := range sparseFragments() {
		copy(want[f.off:], f.data)
	}
	tests := []struct {
		name string
		tar  []byte
	}{
		{"gnu old sparse", gnuOldSparseTar("disk.img")},
		{"pax 1.0 sparse", paxSparseTar("disk.img")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, n, err := applyLayer(t, tc.tar, testOptions(whiteout.AUFS))
			require.NoError(t, err)
			require.Equal(t, int64(sparseSize), n)
			p := filepath.Join(root, "disk.img")
			got, err := os.ReadFile(p)
			require.NoError(t, err)
			require.True(t, bytes.Equal(want, got), "content differs")
			var st unix.Stat_t
			require.NoError(t, unix.Stat(p, &st))
			require.LessOrEqual(t, st.Blocks*512, int64(256<<10), "holes kept (allocated %d bytes of %d)", st.Blocks*512, st.Size)
		})
	}
}
