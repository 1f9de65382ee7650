package inroot

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOpenFile(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(root, "etc"), filepath.Join(root, "run"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "etc", "passwd"), "inside")
	write(filepath.Join(root, "run", "secret"), "inside run")
	write(filepath.Join(outside, "secret"), "outside")
	symlinks := map[string]string{
		"abs":     outside,         // absolute: must resolve inside root
		"escape":  "../../outside", // relative escape: clamped to root
		"var-run": "/run",
		"file":    "etc/passwd",
	}
	for name, target := range symlinks {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		rel     string
		want    string
		wantErr error
	}{
		{rel: "etc/passwd", want: "inside"},
		{rel: "/etc/passwd", want: "inside"},
		{rel: "../../etc/passwd", want: "inside"},
		{rel: "var-run/secret", want: "inside run"},
		{rel: "abs/secret", wantErr: os.ErrNotExist},
		{rel: "escape/secret", wantErr: os.ErrNotExist},
		{rel: "file", wantErr: unix.ELOOP},
		{rel: "/", wantErr: unix.EISDIR},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			f, err := OpenFile(root, tt.rel)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("OpenFile(%q) = %v, want %v", tt.rel, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			b, err := io.ReadAll(f)
			if err != nil || string(b) != tt.want {
				t.Fatalf("read %q = %q, %v; want %q", tt.rel, b, err, tt.want)
			}
		})
	}
}
