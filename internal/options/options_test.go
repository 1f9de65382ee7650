package options

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		options []string
		want    map[string]string
		wantErr bool
	}{
		{name: "none", want: map[string]string{}},
		{name: "own", options: []string{"vfs.xattrs=skip"}, want: map[string]string{"xattrs": "skip"}},
		{name: "case and space", options: []string{" VFS.Xattrs = skip "}, want: map[string]string{"xattrs": "skip"}},
		{name: "other backend ignored", options: []string{"overlay2.size=10G"}, want: map[string]string{}},
		{name: "value with equals", options: []string{"vfs.xattrs=a=b"}, want: map[string]string{"xattrs": "a=b"}},
		{name: "unknown key", options: []string{"vfs.bogus=1"}, wantErr: true},
		{name: "no equals", options: []string{"vfs.xattrs"}, wantErr: true},
		{name: "no prefix", options: []string{"size=1"}, wantErr: true},
		{name: "empty key", options: []string{"vfs.=1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("vfs", tt.options, "xattrs")
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %v, want an error", tt.options, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("Parse(%q) (-want +got):\n%s", tt.options, d)
			}
		})
	}
}
