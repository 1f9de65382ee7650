package layers

import (
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/options"
)

// TestOpenCopyingOptions: the copying backends (vfs, naive) take one
// option, <backend>.xattrs; others are refused naming them, and the
// options of other backends are left to them.
func TestOpenCopyingOptions(t *testing.T) {
	tests := []struct {
		name    string
		options []string
		want    cow.XattrPolicy
		wantErr string
	}{
		{name: "none", want: cow.XattrsStrict},
		{name: "strict", options: []string{"test.xattrs=strict"}, want: cow.XattrsStrict},
		{name: "skip", options: []string{"test.xattrs=skip-unsupported"}, want: cow.XattrsSkipUnsupported},
		{name: "other backend's ignored", options: []string{"overlay2.size=1G"}, want: cow.XattrsStrict},
		{name: "bad value", options: []string{"test.xattrs=maybe"}, wantErr: "test.xattrs"},
		{name: "unknown key", options: []string{"test.size=1G"}, wantErr: "unknown option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore[int]("test", t.TempDir(), graphdriver.IDMap{})
			c, err := OpenCopying(s, tt.options)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("OpenCopying(%q) error = %v, want one containing %q", tt.options, err, tt.wantErr)
				}
				return
			}
			if err != nil || c.Copier == nil {
				t.Fatalf("OpenCopying(%q) = %+v, %v", tt.options, c, err)
			}
			parsed, err := options.Parse("test", tt.options, "xattrs")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := CopyOptions("test", parsed); err != nil || got.Xattrs != tt.want {
				t.Fatalf("CopyOptions = %+v, %v; want xattr policy %v", got, err, tt.want)
			}
		})
	}
}
