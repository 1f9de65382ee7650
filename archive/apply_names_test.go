package archive

import (
	"archive/tar"
	"errors"
	"strings"
	"testing"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/stretchr/testify/require"
)

// Pure parts of Apply; they run on every platform.

func TestApplyCleanName(t *testing.T) {
	lim := DefaultLimits()
	tests := []struct {
		name, want string
		bad        bool
	}{
		{name: "a/b", want: "a/b"},
		{name: "/etc/passwd", want: "etc/passwd"},
		{name: "./a/./b/", want: "a/b"},
		{name: "//a//b", want: "a/b"},
		{name: "a/../b", want: "b"},
		{name: "./", want: ""},
		{name: "/", want: ""},
		{name: ".", want: ""},
		{name: "a/..", want: ""},
		{name: "..", bad: true},
		{name: "../x", bad: true},
		{name: "a/../../etc/passwd", bad: true},
		{name: "/../x", bad: true},
		{name: "a/b/../../..", bad: true},
		{name: "a\x00b", bad: true},
		{name: strings.Repeat("a/", 257), bad: true},
		{name: strings.Repeat("x", 4097), bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cleanName(tc.name, lim)
			if tc.bad {
				require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestApplyClassify(t *testing.T) {
	tests := []struct {
		path   string
		kind   entryKind
		target string
		bad    bool
	}{
		{path: "a/b", kind: kindPlain},
		{path: "a/.wh.b", kind: kindWhiteout, target: "b"},
		{path: ".wh.b", kind: kindWhiteout, target: "b"},
		{path: "a/.wh..wh..opq", kind: kindOpaque},
		{path: ".wh..wh..opq", kind: kindOpaque},
		{path: ".wh..wh.plnk", kind: kindSkip},
		{path: ".wh..wh.plnk/123.456", kind: kindSkip},
		{path: "a/.wh..wh.plnk", bad: true},
		{path: "a/.wh.", bad: true},
		{path: "a/.wh..", bad: true},
		{path: ".wh...", bad: true},
		{path: "a/.wh...x", kind: kindWhiteout, target: "..x"},
		{path: "a/.wh..wh.foo", bad: true},
		{path: "a/.wh.x/y", bad: true},
		{path: ".wh..wh..opq/x", bad: true},
		{path: "a/.WH.x", kind: kindPlain},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			kind, target, err := classify(tc.path)
			if tc.bad {
				require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.kind, kind)
			require.Equal(t, tc.target, target)
		})
	}
}

func TestApplyEntryXattrs(t *testing.T) {
	tests := []struct {
		name    string
		records map[string]string
		limit   int
		want    []xattr
		bad     bool
	}{
		{name: "none"},
		{name: "schily", records: map[string]string{"SCHILY.xattr.user.a": "1", "mtime": "1"}, want: []xattr{{"user.a", []byte("1")}}},
		{name: "libarchive", records: map[string]string{"LIBARCHIVE.xattr.user.%41": "MQ"}, want: []xattr{{"user.A", []byte("1")}}},
		{name: "libarchive over schily", records: map[string]string{"SCHILY.xattr.user.a": "s", "LIBARCHIVE.xattr.user.a": "bA=="}, want: []xattr{{"user.a", []byte("l")}}},
		{name: "selinux dropped", records: map[string]string{"SCHILY.xattr.security.selinux": "x"}},
		{name: "sorted", records: map[string]string{"SCHILY.xattr.user.b": "", "SCHILY.xattr.user.a": ""}, want: []xattr{{"user.a", []byte{}}, {"user.b", []byte{}}}},
		{name: "trusted overlay", records: map[string]string{"SCHILY.xattr.trusted.overlay.opaque": "y"}, bad: true},
		{name: "user overlay", records: map[string]string{"LIBARCHIVE.xattr.user.overlay.redirect": "eA"}, bad: true},
		{name: "empty name", records: map[string]string{"SCHILY.xattr.": "y"}, bad: true},
		{name: "bad base64", records: map[string]string{"LIBARCHIVE.xattr.user.a": "!!"}, bad: true},
		{name: "bad escape", records: map[string]string{"LIBARCHIVE.xattr.user.%zz": "eA"}, bad: true},
		{name: "over limit", records: map[string]string{"SCHILY.xattr.user.a": "0123456789"}, limit: 10, bad: true},
		{name: "at limit", records: map[string]string{"SCHILY.xattr.user.a": "01234"}, limit: 11, want: []xattr{{"user.a", []byte("01234")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := DefaultLimits()
			if tc.limit != 0 {
				lim.MaxXattrBytes = tc.limit
			}
			got, err := entryXattrs(&tar.Header{PAXRecords: tc.records}, lim)
			if tc.bad {
				require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
				return
			}
			require.NoError(t, err)
			if len(tc.want) == 0 {
				require.Empty(t, got)
				return
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestApplyLimitsResolved(t *testing.T) {
	d := DefaultLimits()
	require.Equal(t, d, Limits{}.resolved(), "zero fields take the defaults")
	l := Limits{MaxEntries: -5, MaxBytes: -1, MaxPathDepth: 3}.resolved()
	require.Equal(t, -1, l.MaxEntries)
	require.Equal(t, int64(-1), l.MaxBytes)
	require.Equal(t, 3, l.MaxPathDepth)
	require.False(t, over(1<<40, -1), "-1 is unlimited")
	require.True(t, over(4, 3))
	require.False(t, over(3, 3))
}

func TestApplyFormatErrors(t *testing.T) {
	require.True(t, isFormatError(tar.ErrHeader))
	require.False(t, isFormatError(errors.New("disk on fire")))
}
