package archive

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	graphdriver "github.com/layerfs/graphdriver"
)

func wp(p string) Entry { return Entry{Path: p, Kind: EntryPath} }
func ww(p string) Entry { return Entry{Path: p, Kind: EntryWhiteout} }
func wo(p string) Entry { return Entry{Path: p, Kind: EntryOpaque} }

func TestWriteSortEntries(t *testing.T) {
	tests := []struct {
		name string
		in   []Entry
		want []Entry
	}{
		{
			name: "a directory is followed by its subtree, then by longer names",
			in:   []Entry{wp("a.b"), wp("a/b"), wp("a"), wp("a-b")},
			// byte order of the whole path would give a, a-b, a.b, a/b
			want: []Entry{wp("a"), wp("a/b"), wp("a-b"), wp("a.b")},
		},
		{
			name: "opaque marker, whiteouts, then entries, within a directory",
			in:   []Entry{wp("d/z"), ww("d/b"), wo("d"), ww("d/a"), wp("d"), wp("d/a0")},
			want: []Entry{wp("d"), wo("d"), ww("d/a"), ww("d/b"), wp("d/a0"), wp("d/z")},
		},
		{
			name: "root opaque marker first, root whiteouts before root entries",
			in:   []Entry{wp("a"), ww("z"), wo("."), wp("a/b"), ww("a/c")},
			want: []Entry{wo("."), ww("z"), wp("a"), ww("a/c"), wp("a/b")},
		},
		{
			name: "deep paths compare component by component",
			in:   []Entry{wp("a/b/c"), wp("a/b"), wp("a/bc"), wp("a"), wp("a/b/c/d"), wp("a/b.c")},
			want: []Entry{wp("a"), wp("a/b"), wp("a/b/c"), wp("a/b/c/d"), wp("a/b.c"), wp("a/bc")},
		},
		{
			name: "bytes, not letters: upper case before lower case",
			in:   []Entry{wp("b"), wp("B"), wp("a"), wp("\u00e9")},
			want: []Entry{wp("B"), wp("a"), wp("b"), wp("\u00e9")},
		},
		{name: "empty", in: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := append([]Entry(nil), tt.in...)
			SortEntries(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SortEntries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteCheckEntry(t *testing.T) {
	tests := []struct {
		name     string
		entry    Entry
		wantErr  string // "" for valid
		reserved bool   // wraps ErrInvalidLayer
	}{
		{name: "plain path", entry: wp("a/b")},
		{name: "whiteout", entry: ww("a/b")},
		{name: "opaque dir", entry: wo("a")},
		{name: "root opaque", entry: wo(".")},
		{name: "root as path", entry: wp("."), wantErr: "the root is never listed"},
		{name: "root whiteout", entry: ww("."), wantErr: "the root is never listed"},
		{name: "empty", entry: wp(""), wantErr: "not a relative path"},
		{name: "absolute", entry: wp("/a"), wantErr: "not a relative path"},
		{name: "dot slash", entry: wp("./a"), wantErr: "not a clean path"},
		{name: "trailing slash", entry: wp("a/"), wantErr: "not a clean path"},
		{name: "dot dot", entry: wp("../a"), wantErr: "not a clean path"},
		{name: "inner dot dot", entry: wp("a/../../b"), wantErr: "not a clean path"},
		{name: "nul", entry: wp("a\x00b"), wantErr: "not a relative path"},
		{name: "unknown kind", entry: Entry{Path: "a", Kind: 7}, wantErr: "unknown kind"},
		{name: "whiteout name", entry: wp("d/.wh.x"), wantErr: "reads as a whiteout", reserved: true},
		{name: "whiteout dir name", entry: wp(".wh.d/x"), wantErr: "reads as a whiteout", reserved: true},
		{name: "marker name", entry: wp(".wh..wh..opq"), wantErr: "reads as a whiteout", reserved: true},
		{name: "look-alike is fine", entry: wp("a.wh.b/wh.c")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckEntry(tt.entry)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckEntry(%+v) = %v, want nil", tt.entry, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CheckEntry(%+v) = %v, want an error with %q", tt.entry, err, tt.wantErr)
			}
			if got := errors.Is(err, graphdriver.ErrInvalidLayer); got != tt.reserved {
				t.Errorf("errors.Is(%v, ErrInvalidLayer) = %v, want %v", err, got, tt.reserved)
			}
		})
	}
}

func TestWriteMarkerName(t *testing.T) {
	tests := []struct {
		entry Entry
		want  string
	}{
		{ww("x"), ".wh.x"},
		{ww("a/b/x"), "a/b/.wh.x"},
		{wo("."), ".wh..wh..opq"},
		{wo("a/b"), "a/b/.wh..wh..opq"},
		{wp("a/b"), "a/b"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.entry.Kind, tt.entry.Path), func(t *testing.T) {
			if got := markerName(tt.entry); got != tt.want {
				t.Errorf("markerName(%+v) = %q, want %q", tt.entry, got, tt.want)
			}
		})
	}
}

func TestWriteExportedXattr(t *testing.T) {
	tests := map[string]bool{
		"user.k":                    true,
		"trusted.foo":               true,
		"security.capability":       true,
		"system.posix_acl_access":   true,
		"security.selinux":          false,
		"trusted.overlay.opaque":    false,
		"user.overlay.redirect":     false,
		"trusted.SGI_ACL_FILE":      false,
		"trusted.SGI_ACL_DEFAULT":   false,
		"user.overlayish.not.inner": true,
	}
	for key, want := range tests {
		if got := ExportedXattr(key); got != want {
			t.Errorf("ExportedXattr(%q) = %v, want %v", key, got, want)
		}
	}
}
