package aufs

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/whiteout"
)

func TestLayersFile(t *testing.T) {
	if got := formatLayers(nil); got != "" {
		t.Fatalf("base layer's layers file = %q, want empty", got)
	}
	content := formatLayers([]string{"b", "a"})
	if content != "b\na\n" {
		t.Fatalf("formatLayers = %q, want Docker's one id per line", content)
	}
	ids, err := parseLayers(content)
	if err != nil || strings.Join(ids, ",") != "b,a" {
		t.Fatalf("parseLayers = %v, %v", ids, err)
	}
	// Docker writes "\n"-terminated lines; tolerate blank lines and a
	// missing final newline too.
	if ids, err := parseLayers("\nc\n b \na"); err != nil || strings.Join(ids, ",") != "c,b,a" {
		t.Fatalf("parseLayers of a sloppy file = %v, %v", ids, err)
	}
	if _, err := parseLayers("ok\n../etc\n"); !errors.Is(err, graphdriver.ErrInvalidLayer) {
		t.Fatalf("parseLayers of an escaping id = %v, want ErrInvalidLayer", err)
	}
}

func TestPlanNormalize(t *testing.T) {
	tests := []struct {
		name      string
		dir       string
		xattrs    map[string]string
		hasMarker bool
		entries   []normEntry
		want      string
	}{
		{name: "clean", dir: "etc", entries: []normEntry{{name: "hosts"}}, want: ""},
		{name: "opaque both ways", dir: "d", xattrs: map[string]string{whiteout.OverlayOpaqueXattr: "y"}, hasMarker: true,
			want: "drop-xattr d trusted.overlay.opaque"},
		{name: "opaque by xattr only", dir: "d", xattrs: map[string]string{"user.fuseoverlayfs.opaque": "y"},
			want: "make-opaque d; drop-xattr d user.fuseoverlayfs.opaque"},
		{name: "xattr not y", dir: "d", xattrs: map[string]string{whiteout.UserOverlayOpaqueXattr: "x"},
			want: "drop-xattr d user.overlay.opaque"},
		{name: "device whiteout", dir: ".", entries: []normEntry{{name: "gone", deviceWhiteout: true}, {name: "kept"}},
			want: "make-marker . gone; drop-device . gone"},
		{name: "device beside its aufs whiteout", dir: "x", entries: []normEntry{{name: "g", deviceWhiteout: true, hasAUFSWhiteout: true}},
			want: "drop-device x g"},
		{name: "copy-up origin", dir: "etc", entries: []normEntry{{name: "hosts", xattrs: []string{"user.fuseoverlayfs.origin"}}},
			want: "drop-xattr etc hosts user.fuseoverlayfs.origin"},
		{name: "several on the dir", dir: "d", hasMarker: true,
			xattrs: map[string]string{"user.fuseoverlayfs.origin": "d", whiteout.OverlayOpaqueXattr: "y"},
			want:   "drop-xattr d trusted.overlay.opaque; drop-xattr d user.fuseoverlayfs.origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, op := range planNormalize(tt.dir, tt.xattrs, tt.hasMarker, tt.entries) {
				kind := map[normOpKind]string{normMakeOpaque: "make-opaque", normDropXattr: "drop-xattr",
					normMakeMarker: "make-marker", normDropDevice: "drop-device"}[op.kind]
				got = append(got, strings.Join(strings.Fields(fmt.Sprintf("%s %s %s %s", kind, op.dir, op.name, op.key)), " "))
			}
			if strings.Join(got, "; ") != tt.want {
				t.Fatalf("plan = %q, want %q", strings.Join(got, "; "), tt.want)
			}
		})
	}
	for key, want := range map[string]bool{"trusted.overlay.origin": true, "user.fuseoverlayfs.origin": true,
		"user.overlay.opaque": true, "user.fuseoverlayfsx": false, "trusted.drivertest": false, "security.capability": false} {
		if isProgramXattr(key) != want {
			t.Errorf("isProgramXattr(%q) = %v, want %v", key, !want, want)
		}
	}
	if !skipAtRoot(".", whiteout.PlinkName) || skipAtRoot("sub", whiteout.PlinkName) || skipAtRoot(".", "etc") {
		t.Fatal("skipAtRoot: only AUFS metadata at the root is left alone")
	}
}

func TestHasFilesystem(t *testing.T) {
	table := "nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\toverlay\nnodev\tfuse\n"
	for name, want := range map[string]bool{"ext4": true, "overlay": true, "aufs": false, "fus": false} {
		got, err := hasFilesystem(strings.NewReader(table), name)
		if err != nil || got != want {
			t.Errorf("hasFilesystem(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if got, _ := hasFilesystem(strings.NewReader(table+"nodev\taufs\n"), "aufs"); !got {
		t.Error("aufs listed but not found")
	}
}

func TestLeftover(t *testing.T) {
	hasDiff := func(id string) bool { return id == "live" }
	tests := []struct {
		sub, name string
		want      bool
	}{
		{diffName, "live", false},
		{diffName, "gone-removing", true},
		{diffName, tmpPrefix + "half", true},
		{mntName, "x-removing", true},
		{mntName, "live", false},
		{layersName, "live", false},
		{layersName, "orphan", true},
		{layersName, tmpPrefix + "half", true},
		{workName, "anything", true},
	}
	for _, tt := range tests {
		if got := leftover(tt.sub, tt.name, hasDiff); got != tt.want {
			t.Errorf("leftover(%s, %s) = %v, want %v", tt.sub, tt.name, got, tt.want)
		}
	}
}
