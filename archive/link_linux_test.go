package archive_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// lowerLayer makes a lower layer's merged view with a file, and returns
// a Lower function that opens files in it.
func lowerLayer(t *testing.T) (string, func(string) (*os.File, error)) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "usr/bin"), 0o755))
	p := filepath.Join(dir, "usr/bin/perl")
	require.NoError(t, os.WriteFile(p, []byte("#!perl"), 0o644))
	require.NoError(t, os.Chmod(p, 0o751))
	require.NoError(t, unix.Setxattr(p, "user.origin", []byte("lower"), 0))
	mt := time.Unix(1_234_567_890, 0)
	require.NoError(t, os.Chtimes(p, mt, mt))
	require.NoError(t, os.Symlink("perl", filepath.Join(dir, "usr/bin/perl-link")))
	return dir, func(rel string) (*os.File, error) {
		return os.Open(filepath.Join(dir, rel)) // trusted test tree
	}
}

func TestApplyHardlinks(t *testing.T) {
	lowerDir, lower := lowerLayer(t)
	openNoFollow := func(p string) (*os.File, error) {
		return os.OpenFile(filepath.Join(lowerDir, p), unix.O_PATH|unix.O_NOFOLLOW, 0)
	}
	tests := []struct {
		name    string
		entries []layerEntry
		lower   func(string) (*os.File, error)
		want    map[string]string
		same    [][2]string // pairs that must be one inode
		wantErr string      // ErrInvalidLayer naming this
	}{{
		name:    "to an earlier entry",
		entries: []layerEntry{regEntry("a", "x", 0o600), hardlinkEntry("dir/b", "a")},
		want:    map[string]string{"a": `file 0600 "x"`, "dir": "dir 0755", "dir/b": `file 0600 "x"`},
		same:    [][2]string{{"a", "dir/b"}},
	}, {
		name:    "to a symlink: links the symlink itself",
		entries: []layerEntry{symlinkEntry("s", "/etc/passwd"), hardlinkEntry("t", "s")},
		want:    map[string]string{"s": "symlink /etc/passwd", "t": "symlink /etc/passwd"},
		same:    [][2]string{{"s", "t"}},
	}, {
		name:    "through a symlinked dir of the layer",
		entries: []layerEntry{regEntry("real/f", "x", 0o644), symlinkEntry("l", "/real"), hardlinkEntry("g", "l/f")},
		want:    map[string]string{"real": "dir 0755", "real/f": `file 0644 "x"`, "l": "symlink /real", "g": `file 0644 "x"`},
		same:    [][2]string{{"real/f", "g"}},
	}, {
		name:    "to a lower file: copied in, then linked",
		entries: []layerEntry{hardlinkEntry("usr/bin/perl5", "usr/bin/perl"), hardlinkEntry("usr/bin/perl6", "/usr/bin/perl")},
		lower:   lower,
		want:    map[string]string{"usr": "dir 0755", "usr/bin": "dir 0755", "usr/bin/perl5": `file 0751 "#!perl" {user.origin=lower}`, "usr/bin/perl6": `file 0751 "#!perl" {user.origin=lower}`},
		same:    [][2]string{{"usr/bin/perl5", "usr/bin/perl6"}},
	}, {
		name:    "to a lower file without Lower",
		entries: []layerEntry{hardlinkEntry("x", "usr/bin/perl")},
		wantErr: `entry "x"`,
	}, {
		name:    "to a file in no layer",
		entries: []layerEntry{hardlinkEntry("x", "nowhere")},
		lower:   lower,
		wantErr: `entry "x"`,
	}, {
		name:    "to a lower symlink",
		entries: []layerEntry{hardlinkEntry("x", "usr/bin/perl-link")},
		lower:   openNoFollow,
		wantErr: `entry "x"`,
	}, {
		name:    "to a directory",
		entries: []layerEntry{dirEntry("d", 0o755), hardlinkEntry("x", "d")},
		wantErr: `entry "x"`,
	}, {
		name:    "to a path this layer deletes",
		entries: []layerEntry{whiteoutEntry("gone"), hardlinkEntry("x", "gone")},
		lower:   lower,
		wantErr: `entry "x"`,
	}, {
		name:    "to itself",
		entries: []layerEntry{hardlinkEntry("x", "./x")},
		wantErr: `entry "x"`,
	}, {
		name:    "escaping the root",
		entries: []layerEntry{hardlinkEntry("x", "../../etc/passwd")},
		lower:   lower,
		wantErr: `entry "x": hardlink target: path escapes the layer root`,
	}}
	for _, f := range whiteoutFormats(t) {
		for _, tc := range tests {
			t.Run(f.String()+"/"+tc.name, func(t *testing.T) {
				opts := testOptions(f)
				opts.Lower = tc.lower
				root, _, err := applyLayer(t, buildLayer(t, tc.entries...), opts)
				if tc.wantErr != "" {
					require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
					require.ErrorContains(t, err, tc.wantErr)
					return
				}
				require.NoError(t, err)
				requireTree(t, root, tc.want)
				for _, pair := range tc.same {
					require.True(t, sameInode(t, filepath.Join(root, pair[0]), filepath.Join(root, pair[1])), "%v", pair)
				}
			})
		}
	}
}

func sameInode(t *testing.T, a, b string) bool {
	t.Helper()
	var sa, sb unix.Stat_t
	require.NoError(t, unix.Lstat(a, &sa))
	require.NoError(t, unix.Lstat(b, &sb))
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

func TestApplyLowerCopyKeepsTimesAndCounts(t *testing.T) {
	_, lower := lowerLayer(t)
	opts := testOptions(whiteout.AUFS)
	opts.Lower = lower
	root, n, err := applyLayer(t, buildLayer(t, hardlinkEntry("p", "usr/bin/perl")), opts)
	require.NoError(t, err)
	require.Equal(t, int64(len("#!perl")), n, "copied content counts")
	var st unix.Stat_t
	require.NoError(t, unix.Lstat(filepath.Join(root, "p"), &st))
	require.Equal(t, int64(1_234_567_890), st.Mtim.Sec)
}

func TestApplyLowerError(t *testing.T) {
	boom := errors.New("boom")
	opts := testOptions(whiteout.AUFS)
	opts.Lower = func(string) (*os.File, error) { return nil, boom }
	_, err := archive.Apply(t.TempDir(), bytes.NewReader(buildLayer(t, hardlinkEntry("x", "y"))), opts)
	require.ErrorIs(t, err, boom)
	require.NotErrorIs(t, err, graphdriver.ErrInvalidLayer, "an I/O failure of Lower is not the tar's fault")
}
