package overlay2

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// dirent encodes one linux_dirent64 record.
func dirent(name string, typ uint8) []byte {
	reclen := (19 + len(name) + 1 + 7) &^ 7
	b := make([]byte, reclen)
	binary.NativeEndian.PutUint16(b[16:18], uint16(reclen))
	b[18] = typ
	copy(b[19:], name)
	return b
}

// TestDirentType: the d_type probe reads getdents records itself (Go's
// os.ReadDir falls back to lstat on DT_UNKNOWN and would hide a
// filesystem without d_type, such as xfs with ftype=0).
func TestDirentType(t *testing.T) {
	buf := append(append(dirent(".", unix.DT_DIR), dirent("..", unix.DT_DIR)...), dirent("f", unix.DT_REG)...)
	require.Equal(t, uint8(unix.DT_REG), direntType(buf, "f"))
	require.Equal(t, uint8(unix.DT_UNKNOWN), direntType(dirent("f", unix.DT_UNKNOWN), "f"), "ftype=0")
	require.Equal(t, uint8(unix.DT_UNKNOWN), direntType(buf, "missing"))
	require.Equal(t, uint8(unix.DT_UNKNOWN), direntType(buf[:10], "f"), "truncated")
	require.NoError(t, checkDType(t.TempDir()), "the test's temp dir has d_type")
}
