package archive_test

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/archive"
	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
)

// TestApplyRejects covers the basic refusals; hostile_test.go holds the
// full corpus. Each case must fail with ErrInvalidLayer naming the entry
// and leave the directory beside the root untouched.
func TestApplyRejects(t *testing.T) {
	tests := []struct {
		name    string
		entries func(outside string) []layerEntry
		opts    func(*archive.ApplyOptions)
		wantErr string
	}{{
		name:    "name escapes",
		entries: func(string) []layerEntry { return []layerEntry{regEntry("a/../../etc/passwd", "x", 0o644)} },
		wantErr: `archive: entry "a/../../etc/passwd": path escapes the layer root: invalid layer`,
	}, {
		name: "symlink then write through it to a missing dir",
		entries: func(out string) []layerEntry {
			return []layerEntry{symlinkEntry("a", out), regEntry("a/pwned", "x", 0o644)}
		},
		wantErr: `entry "a/pwned"`,
	}, {
		name: "relative symlink climbing out then write through it",
		entries: func(string) []layerEntry {
			return []layerEntry{symlinkEntry("a", "../../../../../../../.."), regEntry("a/outside/pwned", "x", 0o644), nodeEntry("boom", tar.TypeChar, 0, 0)}
		},
		wantErr: `entry "boom"`, // the write through "a" landed inside the root; then "boom" fails
	}, {
		name:    "malformed whiteout",
		entries: func(string) []layerEntry { return []layerEntry{regEntry("d/.wh..", "", 0o644)} },
		wantErr: `entry "d/.wh.."`,
	}, {
		name:    "whiteout name as a directory",
		entries: func(string) []layerEntry { return []layerEntry{regEntry(".wh.../x", "", 0o644)} },
		wantErr: `entry ".wh.../x"`,
	}, {
		name: "overlay xattr",
		entries: func(string) []layerEntry {
			return []layerEntry{dirEntry("d", 0o755, withXattr("trusted.overlay.opaque", "y"))}
		},
		wantErr: `entry "d": overlay xattr "trusted.overlay.opaque"`,
	}, {
		name:    "char 0/0",
		entries: func(string) []layerEntry { return []layerEntry{nodeEntry("x", tar.TypeChar, 0, 0)} },
		wantErr: `entry "x": char device 0/0`,
	}, {
		name:    "root replaced by a symlink",
		entries: func(out string) []layerEntry { return []layerEntry{symlinkEntry("./", out)} },
		wantErr: `entry "./"`,
	}, {
		name:    "file under a file",
		entries: func(string) []layerEntry { return []layerEntry{regEntry("f", "", 0o644), regEntry("f/g", "", 0o644)} },
		wantErr: `entry "f/g": parent "f" is not a directory`,
	}, {
		name:    "symlink loop as parent",
		entries: func(string) []layerEntry { return []layerEntry{symlinkEntry("l", "l"), regEntry("l/g", "", 0o644)} },
		wantErr: `entry "l/g"`,
	}, {
		name: "unknown type",
		entries: func(string) []layerEntry {
			return []layerEntry{newLayerEntry(tar.Header{Typeflag: 'V', Name: "vol"}, "", nil)}
		},
		wantErr: `entry "vol": unsupported entry type`,
	}, {
		name:    "too many entries",
		entries: func(string) []layerEntry { return []layerEntry{regEntry("a", "", 0o644), regEntry("b", "", 0o644)} },
		opts:    func(o *archive.ApplyOptions) { o.Limits.MaxEntries = 1 },
		wantErr: `entry "b": more than 1 entries`,
	}, {
		name:    "too deep",
		entries: func(string) []layerEntry { return []layerEntry{regEntry("a/b/c", "", 0o644)} },
		opts:    func(o *archive.ApplyOptions) { o.Limits.MaxPathDepth = 2 },
		wantErr: `entry "a/b/c": path is 3 components deep (limit 2)`,
	}, {
		name:    "name too long",
		entries: func(string) []layerEntry { return []layerEntry{regEntry(strings.Repeat("n", 20), "", 0o644)} },
		opts:    func(o *archive.ApplyOptions) { o.Limits.MaxPathBytes = 19 },
		wantErr: `name is 20 bytes (limit 19)`,
	}, {
		name: "header records too big",
		entries: func(string) []layerEntry {
			return []layerEntry{regEntry("f", "", 0o644, withRecord("comment", strings.Repeat("c", 100)))}
		},
		opts:    func(o *archive.ApplyOptions) { o.Limits.MaxHeaderBytes = 100 },
		wantErr: `entry "f": header records are`,
	}, {
		name: "too much content",
		entries: func(string) []layerEntry {
			return []layerEntry{regEntry("a", "12345", 0o644), regEntry("b", "678", 0o644)}
		},
		opts:    func(o *archive.ApplyOptions) { o.Limits.MaxBytes = 7 },
		wantErr: `entry "b": layer content over 7 bytes`,
	}, {
		name: "too many xattr bytes",
		entries: func(string) []layerEntry {
			return []layerEntry{regEntry("f", "", 0o644, withXattr("user.k", "0123456789"))}
		},
		opts:    func(o *archive.ApplyOptions) { o.Limits.MaxXattrBytes = 15 },
		wantErr: `entry "f": xattrs are 16 bytes (limit 15)`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			outside := filepath.Join(base, "outside")
			require.NoError(t, os.Mkdir(outside, 0o755))
			root := filepath.Join(base, "layer")
			require.NoError(t, os.Mkdir(root, 0o755))
			opts := testOptions(whiteout.AUFS)
			if tc.opts != nil {
				tc.opts(opts)
			}
			_, err := archive.Apply(root, bytes.NewReader(buildLayer(t, tc.entries(outside)...)), opts)
			require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
			require.ErrorContains(t, err, tc.wantErr)
			names, rerr := os.ReadDir(outside)
			require.NoError(t, rerr)
			require.Empty(t, names, "something was written outside the root")
			all, rerr := os.ReadDir(base)
			require.NoError(t, rerr)
			require.Len(t, all, 2, "something was created beside the root")
		})
	}
}

func TestApplyTruncated(t *testing.T) {
	data := buildLayer(t, regEntry("a", "ok", 0o644), regEntry("big", strings.Repeat("x", 5000), 0o644))
	tests := []struct {
		name    string
		cut     int
		wantErr string
	}{
		{"in a body", 512*3 + 1000, `archive: entry "big": read content: unexpected EOF`},
		{"in a header", 512 * 2, `archive: read tar after entry "a"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := applyLayer(t, data[:tc.cut+100], testOptions(whiteout.AUFS))
			require.ErrorIs(t, err, graphdriver.ErrInvalidLayer)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestApplyUnlimited(t *testing.T) {
	opts := testOptions(whiteout.AUFS)
	opts.Limits = archive.Limits{MaxEntries: -1, MaxPathDepth: -1, MaxPathBytes: -1, MaxHeaderBytes: -1, MaxBytes: -1, MaxXattrBytes: -1}
	deep := strings.Repeat("d/", 300) + "f"
	root, _, err := applyLayer(t, buildLayer(t, regEntry(deep, "x", 0o644)), opts)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, deep))
	require.NoError(t, err)
	require.Equal(t, "x", string(b))
	_, _, err = applyLayer(t, buildLayer(t, regEntry(deep, "x", 0o644)), testOptions(whiteout.AUFS))
	require.ErrorIs(t, err, graphdriver.ErrInvalidLayer, "the default depth limit is 256")
}
