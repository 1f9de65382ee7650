package archive_test

import (
	"testing"

	"github.com/layerfs/graphdriver/whiteout"
	"github.com/stretchr/testify/require"
)

// TestApplyWhiteoutRules checks the same-layer rules of OCI layer.md in
// every whiteout form: a whiteout hides lower layers only, never an entry
// of its own layer, in either order; an opaque marker anywhere among its
// directory's entries deletes nothing this layer unpacked (moby
// PR#17819). Expectations are written in the AUFS form and converted.
func TestApplyWhiteoutRules(t *testing.T) {
	tests := []struct {
		name    string
		entries []layerEntry
		want    map[string]string
	}{{
		name:    "whiteout of a lower path is stored",
		entries: []layerEntry{dirEntry("a", 0o755), whiteoutEntry("a/x")},
		want:    map[string]string{"a": "dir 0755", "a/.wh.x": `file 0644 ""`},
	}, {
		name:    "whiteout in an implied dir",
		entries: []layerEntry{whiteoutEntry("a/b/x")},
		want:    map[string]string{"a": "dir 0755", "a/b": "dir 0755", "a/b/.wh.x": `file 0644 ""`},
	}, {
		name:    "whiteout after this layer's file: the file stays",
		entries: []layerEntry{regEntry("a/x", "mine", 0o644), whiteoutEntry("a/x")},
		want:    map[string]string{"a": "dir 0755", "a/x": `file 0644 "mine"`},
	}, {
		name:    "whiteout before this layer's file: the file replaces it",
		entries: []layerEntry{whiteoutEntry("a/x"), regEntry("a/x", "mine", 0o644)},
		want:    map[string]string{"a": "dir 0755", "a/x": `file 0644 "mine"`},
	}, {
		name:    "whiteout before this layer's symlink",
		entries: []layerEntry{whiteoutEntry("x"), symlinkEntry("x", "y")},
		want:    map[string]string{"x": "symlink y"},
	}, {
		name:    "whiteout after this layer's dir: dir stays, opaque",
		entries: []layerEntry{dirEntry("d", 0o755), regEntry("d/new", "n", 0o644), whiteoutEntry("d")},
		want:    map[string]string{"d": "dir 0755", "d/new": `file 0644 "n"`, "d/.wh..wh..opq": `file 0644 ""`},
	}, {
		name:    "whiteout before this layer's dir: opaque dir",
		entries: []layerEntry{whiteoutEntry("d"), dirEntry("d", 0o700), regEntry("d/new", "n", 0o644)},
		want:    map[string]string{"d": "dir 0700", "d/new": `file 0644 "n"`, "d/.wh..wh..opq": `file 0644 ""`},
	}, {
		name:    "whiteout before an implied dir: opaque dir",
		entries: []layerEntry{whiteoutEntry("d"), regEntry("d/new", "n", 0o644)},
		want:    map[string]string{"d": "dir 0755", "d/new": `file 0644 "n"`, "d/.wh..wh..opq": `file 0644 ""`},
	}, {
		name:    "whiteout twice",
		entries: []layerEntry{whiteoutEntry("x"), whiteoutEntry("x")},
		want:    map[string]string{".wh.x": `file 0644 ""`},
	}, {
		name:    "opaque marker after children keeps them",
		entries: []layerEntry{dirEntry("d", 0o755), regEntry("d/a", "a", 0o644), dirEntry("d/sub", 0o755), regEntry("d/sub/b", "b", 0o644), opaqueEntry("d")},
		want:    map[string]string{"d": "dir 0755", "d/a": `file 0644 "a"`, "d/sub": "dir 0755", "d/sub/b": `file 0644 "b"`, "d/.wh..wh..opq": `file 0644 ""`},
	}, {
		name:    "delete-then-recreate: marker before children",
		entries: []layerEntry{dirEntry("d", 0o755), opaqueEntry("d"), regEntry("d/a", "a", 0o644)},
		want:    map[string]string{"d": "dir 0755", "d/a": `file 0644 "a"`, "d/.wh..wh..opq": `file 0644 ""`},
	}, {
		name:    "opaque marker of an implied dir",
		entries: []layerEntry{opaqueEntry("x/y")},
		want:    map[string]string{"x": "dir 0755", "x/y": "dir 0755", "x/y/.wh..wh..opq": `file 0644 ""`},
	}, {
		name:    "opaque root",
		entries: []layerEntry{regEntry("f", "", 0o644), opaqueEntry(".")},
		want:    map[string]string{"f": `file 0644 ""`, ".wh..wh..opq": `file 0644 ""`},
	}, {
		name:    "dir entry after marker keeps the mark",
		entries: []layerEntry{opaqueEntry("d"), dirEntry("d", 0o711, withXattr("user.k", "v"))},
		want:    map[string]string{"d": "dir 0711 {user.k=v}", "d/.wh..wh..opq": `file 0644 ""`},
	}, {
		name:    "marker below a symlink marks its target inside the root",
		entries: []layerEntry{dirEntry("real", 0o755), symlinkEntry("l", "/real"), opaqueEntry("l")},
		want:    map[string]string{"real": "dir 0755", "l": "symlink /real", "real/.wh..wh..opq": `file 0644 ""`},
	}}
	for _, f := range whiteoutFormats(t) {
		for _, tc := range tests {
			t.Run(f.String()+"/"+tc.name, func(t *testing.T) {
				root, _, err := applyLayer(t, buildLayer(t, tc.entries...), testOptions(f))
				require.NoError(t, err)
				requireTree(t, root, inOverlayForm(tc.want, f))
			})
		}
	}
}

// TestApplyWhiteoutFormsOnDisk checks each form's exact on-disk result.
func TestApplyWhiteoutFormsOnDisk(t *testing.T) {
	data := buildLayer(t, dirEntry("d", 0o755), opaqueEntry("d"), whiteoutEntry("gone"))
	tests := []struct {
		format whiteout.Format
		want   map[string]string
	}{
		{whiteout.AUFS, map[string]string{"d": "dir 0755", "d/.wh..wh..opq": `file 0644 ""`, ".wh.gone": `file 0644 ""`}},
		{whiteout.Overlay, map[string]string{"d": "dir 0755 {trusted.overlay.opaque=y}", "gone": "char 0/0 0000"}},
		{whiteout.OverlayUserXattr, map[string]string{"d": "dir 0755 {user.overlay.opaque=y}", "gone": "char 0/0 0000"}},
	}
	for _, tc := range tests {
		t.Run(tc.format.String(), func(t *testing.T) {
			if tc.format != whiteout.AUFS {
				requireRoot(t, "char 0/0 whiteouts need CAP_MKNOD")
			}
			root, _, err := applyLayer(t, data, testOptions(tc.format))
			require.NoError(t, err)
			requireTree(t, root, tc.want)
			ok, err := whiteout.IsOpaqueDir(root+"/d", tc.format)
			require.NoError(t, err)
			require.True(t, ok, "whiteout.IsOpaqueDir agrees")
		})
	}
}
