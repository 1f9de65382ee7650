package archive_test

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestApplyAcceptedForms(t *testing.T) {
	long := strings.Repeat("d", 120) + "/" + strings.Repeat("f", 150)
	tests := []struct {
		name    string
		entries []layerEntry
		want    map[string]string
	}{{
		name: "ustar basics",
		entries: []layerEntry{
			dirEntry("etc/", 0o755, withFormat(tar.FormatUSTAR)),
			regEntry("etc/hosts", "127.0.0.1\n", 0o644, withFormat(tar.FormatUSTAR)),
			symlinkEntry("etc/localtime", "/usr/share/zoneinfo/UTC", withFormat(tar.FormatUSTAR)),
			nodeEntry("run/initctl", tar.TypeFifo, 0, 0, withFormat(tar.FormatUSTAR)),
		},
		want: map[string]string{
			"etc": "dir 0755", "etc/hosts": `file 0644 "127.0.0.1\n"`,
			"etc/localtime": "symlink /usr/share/zoneinfo/UTC",
			"run":           "dir 0755", "run/initctl": "fifo 0644",
		},
	}, {
		name:    "pax long name",
		entries: []layerEntry{regEntry(long, "x", 0o600, withFormat(tar.FormatPAX))},
		want:    map[string]string{long[:120]: "dir 0755", long: `file 0600 "x"`},
	}, {
		name: "gnu long name and long link",
		entries: []layerEntry{
			regEntry(long, "x", 0o600, withFormat(tar.FormatGNU)),
			symlinkEntry("l", strings.Repeat("t", 200), withFormat(tar.FormatGNU)),
		},
		want: map[string]string{long[:120]: "dir 0755", long: `file 0600 "x"`, "l": "symlink " + strings.Repeat("t", 200)},
	}, {
		name:    "absolute names and dot prefixes",
		entries: []layerEntry{dirEntry("./", 0o750), regEntry("/abs", "a", 0o644), regEntry("./rel/./x", "b", 0o644), regEntry("a//b/../c", "c", 0o644)},
		want:    map[string]string{"abs": `file 0644 "a"`, "rel": "dir 0755", "rel/x": `file 0644 "b"`, "a": "dir 0755", "a/c": `file 0644 "c"`},
	}, {
		name:    "implied parents then their entry",
		entries: []layerEntry{regEntry("a/b/c", "c", 0o644), dirEntry("a/", 0o700)},
		want:    map[string]string{"a": "dir 0700", "a/b": "dir 0755", "a/b/c": `file 0644 "c"`},
	}, {
		name:    "duplicate file: last wins",
		entries: []layerEntry{regEntry("f", "one", 0o644), regEntry("f", "two", 0o600)},
		want:    map[string]string{"f": `file 0600 "two"`},
	}, {
		name:    "duplicate dir keeps contents, takes attributes",
		entries: []layerEntry{dirEntry("d", 0o755, withXattr("user.a", "1")), regEntry("d/f", "x", 0o644), dirEntry("d", 0o711, withXattr("user.b", "2"))},
		want:    map[string]string{"d": "dir 0711 {user.b=2}", "d/f": `file 0644 "x"`},
	}, {
		name:    "file replaces dir tree",
		entries: []layerEntry{regEntry("d/sub/f", "x", 0o644), regEntry("d", "now a file", 0o644)},
		want:    map[string]string{"d": `file 0644 "now a file"`},
	}, {
		name:    "dir replaces file",
		entries: []layerEntry{regEntry("d", "x", 0o644), dirEntry("d", 0o755), regEntry("d/f", "y", 0o644)},
		want:    map[string]string{"d": "dir 0755", "d/f": `file 0644 "y"`},
	}, {
		name:    "dir replaces symlink, never follows it",
		entries: []layerEntry{dirEntry("target", 0o755), symlinkEntry("d", "target"), dirEntry("d", 0o700), regEntry("d/f", "y", 0o644)},
		want:    map[string]string{"target": "dir 0755", "d": "dir 0700", "d/f": `file 0644 "y"`},
	}, {
		name:    "file replaces symlink, never writes through it",
		entries: []layerEntry{regEntry("real", "keep", 0o644), symlinkEntry("f", "/real"), regEntry("f", "new", 0o644)},
		want:    map[string]string{"real": `file 0644 "keep"`, "f": `file 0644 "new"`},
	}, {
		name:    "absolute symlink resolves inside the root",
		entries: []layerEntry{dirEntry("run", 0o755), dirEntry("var", 0o755), symlinkEntry("var/run", "/run"), regEntry("var/run/pid", "1", 0o644)},
		want:    map[string]string{"run": "dir 0755", "run/pid": `file 0644 "1"`, "var": "dir 0755", "var/run": "symlink /run"},
	}, {
		name:    "relative symlink climbing out resolves inside the root",
		entries: []layerEntry{symlinkEntry("a", "../../../../.."), regEntry("a/x", "in", 0o644)},
		want:    map[string]string{"a": "symlink ../../../../..", "x": `file 0644 "in"`},
	}, {
		name:    "hardlink to an earlier entry",
		entries: []layerEntry{regEntry("a", "same", 0o640), hardlinkEntry("b", "a"), hardlinkEntry("c", "/a")},
		want:    map[string]string{"a": `file 0640 "same"`, "b": `file 0640 "same"`, "c": `file 0640 "same"`},
	}, {
		name:    "special modes",
		entries: []layerEntry{regEntry("suid", "", 0o4755), regEntry("sgid", "", 0o2711), dirEntry("tmp", 0o1777)},
		want:    map[string]string{"suid": `file 4755 ""`, "sgid": `file 2711 ""`, "tmp": "dir 1777"},
	}, {
		name:    "read-only dir filled after its entry",
		entries: []layerEntry{dirEntry("ro", 0o555), regEntry("ro/f", "x", 0o444), dirEntry("ro/sub", 0o500), regEntry("ro/sub/g", "y", 0o400)},
		want:    map[string]string{"ro": "dir 0555", "ro/f": `file 0444 "x"`, "ro/sub": "dir 0500", "ro/sub/g": `file 0400 "y"`},
	}, {
		name:    "aufs metadata at the root is skipped",
		entries: []layerEntry{dirEntry(whiteout.PlinkName, 0o700), regEntry(whiteout.PlinkName+"/123", "x", 0o644), regEntry("f", "", 0o644)},
		want:    map[string]string{"f": `file 0644 ""`},
	}, {
		name:    "global header ignored",
		entries: []layerEntry{{hdr: tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "g", PAXRecords: map[string]string{"comment": "x"}}}, regEntry("f", "", 0o644)},
		want:    map[string]string{"f": `file 0644 ""`},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, _, err := applyLayer(t, buildLayer(t, tc.entries...), testOptions(whiteout.AUFS))
			require.NoError(t, err)
			requireTree(t, root, tc.want)
		})
	}
}

func TestApplyXattrForms(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	raw := func(s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name string
		mods []func(*tar.Header)
		want string
	}{
		{"schily", []func(*tar.Header){withXattr("user.k", "v")}, `file 0644 "" {user.k=v}`},
		{"libarchive padded", []func(*tar.Header){withRecord("LIBARCHIVE.xattr.user.k", b64("v"))}, `file 0644 "" {user.k=v}`},
		{"libarchive unpadded, escaped name", []func(*tar.Header){withRecord("LIBARCHIVE.xattr.user.a%3Db", raw("bin\x00ary"))}, "file 0644 \"\" {user.a=b=bin\x00ary}"},
		{"libarchive wins over schily", []func(*tar.Header){withXattr("user.k", "schily"), withRecord("LIBARCHIVE.xattr.user.k", b64("libarchive"))}, `file 0644 "" {user.k=libarchive}`},
		{"security.selinux dropped", []func(*tar.Header){withXattr("security.selinux", "system_u:object_r:etc_t:s0"), withXattr("user.k", "v")}, `file 0644 "" {user.k=v}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, _, err := applyLayer(t, buildLayer(t, regEntry("f", "", 0o644, tc.mods...)), testOptions(whiteout.AUFS))
			require.NoError(t, err)
			requireTree(t, root, map[string]string{"f": tc.want})
		})
	}
}

func TestApplyReturnsContentBytes(t *testing.T) {
	data := buildLayer(t, regEntry("a", "12345", 0o644), regEntry("b", "678", 0o644), hardlinkEntry("c", "a"), dirEntry("d", 0o755), whiteoutEntry("gone"))
	r := &countingReader{r: bytes.NewReader(append(data, make([]byte, 4096)...))}
	root := t.TempDir()
	n, err := archive.Apply(root, r, testOptions(whiteout.AUFS))
	require.NoError(t, err)
	require.Equal(t, int64(8), n)
	require.Equal(t, int64(len(data)+4096), r.n, "Apply reads the stream to its end")
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

func TestApplyTimes(t *testing.T) {
	mt := time.Unix(1_000_000_000, 123456789)
	at := time.Unix(900_000_000, 5)
	pax := withFormat(tar.FormatPAX) // sub-second times need PAX records
	data := buildLayer(t,
		dirEntry("d", 0o755, withTime(mt), pax),
		regEntry("d/f", "x", 0o644, withTime(mt), pax, func(h *tar.Header) { h.AccessTime = at }),
		symlinkEntry("d/l", "f", withTime(mt), pax),
		dirEntry("d/sub", 0o755, withTime(mt), pax),
		regEntry("d/sub/g", "y", 0o644, withTime(mt), pax),
	)
	root, _, err := applyLayer(t, data, testOptions(whiteout.AUFS))
	require.NoError(t, err)
	tests := []struct {
		path   string
		mtime  time.Time
		atime  time.Time
		asLink bool
	}{
		{"d", mt, mt, false}, {"d/f", mt, at, false}, {"d/l", mt, mt, true}, {"d/sub", mt, mt, false}, {"d/sub/g", mt, mt, false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			var st unix.Stat_t
			require.NoError(t, unix.Lstat(filepath.Join(root, tc.path), &st))
			require.Equal(t, tc.mtime.UnixNano(), st.Mtim.Nano(), "mtime")
			require.Equal(t, tc.atime.UnixNano(), st.Atim.Nano(), "atime")
		})
	}
}

func TestApplyOwnersAndIDMap(t *testing.T) {
	requireRoot(t, "chown to other users")
	idmap := graphdriver.IDMap{
		UIDs: []graphdriver.IDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}},
		GIDs: []graphdriver.IDMapping{{ContainerID: 0, HostID: 200000, Size: 65536}},
	}
	data := buildLayer(t,
		regEntry("implied/f", "x", 0o4755, withOwner(1000, 50)),
		symlinkEntry("l", "f", withOwner(7, 8)),
		dirEntry("d", 0o700, withOwner(33, 33)),
		whiteoutEntry("gone"),
	)
	tests := []struct {
		name string
		opts *archive.ApplyOptions
		want map[string][2]int
	}{
		{"identity", &archive.ApplyOptions{}, map[string][2]int{".": {0, 0}, "implied": {0, 0}, "implied/f": {1000, 50}, "l": {7, 8}, "d": {33, 33}, ".wh.gone": {0, 0}}},
		{"remapped", &archive.ApplyOptions{IDMap: idmap}, map[string][2]int{"implied": {100000, 200000}, "implied/f": {101000, 200050}, "l": {100007, 200008}, "d": {100033, 200033}, ".wh.gone": {100000, 200000}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, _, err := applyLayer(t, data, tc.opts)
			require.NoError(t, err)
			for p, ids := range tc.want {
				var st unix.Stat_t
				require.NoError(t, unix.Lstat(filepath.Join(root, p), &st))
				require.Equal(t, ids, [2]int{int(st.Uid), int(st.Gid)}, p)
			}
			requireTree(t, root, map[string]string{"implied": "dir 0755", "implied/f": `file 4755 "x"`, "l": "symlink f", "d": "dir 0700", ".wh.gone": `file 0644 ""`})
		})
	}
	t.Run("unmapped id", func(t *testing.T) {
		_, _, err := applyLayer(t, buildLayer(t, regEntry("f", "", 0o644, withOwner(70000, 0))), &archive.ApplyOptions{IDMap: idmap})
		require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
		require.ErrorContains(t, err, `entry "f"`)
	})
}

func TestApplyDevices(t *testing.T) {
	data := buildLayer(t, nodeEntry("dev/null", tar.TypeChar, 1, 3), nodeEntry("dev/loop0", tar.TypeBlock, 7, 0))
	t.Run("NoDevices", func(t *testing.T) {
		opts := testOptions(whiteout.AUFS)
		opts.NoDevices = true
		_, _, err := applyLayer(t, data, opts)
		require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
		require.ErrorContains(t, err, `entry "dev/null"`)
	})
	t.Run("allowed", func(t *testing.T) {
		root, _, err := applyLayer(t, data, testOptions(whiteout.AUFS))
		if os.Geteuid() != 0 {
			// mknod fails with EPERM without CAP_MKNOD: refused as invalid.
			require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
			require.ErrorIs(t, err, unix.EPERM)
			return
		}
		require.NoError(t, err)
		requireTree(t, root, map[string]string{"dev": "dir 0755", "dev/null": "char 1/3 0644", "dev/loop0": "block 7/0 0644"})
	})
}

func TestApplyUnsupportedFormat(t *testing.T) {
	_, err := archive.Apply(t.TempDir(), bytes.NewReader(nil), &archive.ApplyOptions{Whiteouts: 42})
	require.True(t, errors.Is(err, graphdriver.ErrNotSupported), "%v", err)
}
