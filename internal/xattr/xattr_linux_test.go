package xattr

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestKeysAndValues(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("v", 1000) // larger than the first buffer
	for key, val := range map[string]string{"user.b": "2", "user.a": "1", "user.big": big} {
		if err := unix.Lsetxattr(p, key, []byte(val), 0); err != nil {
			if errors.Is(err, unix.EOPNOTSUPP) {
				t.Skip("the temp dir's filesystem has no user xattrs")
			}
			t.Fatal(err)
		}
	}
	var buf []byte
	keys, err := LKeys(p, &buf)
	if err != nil || strings.Join(keys, ",") != "user.a,user.b,user.big" {
		t.Fatalf("LKeys = %q, %v; want user.a,user.b,user.big sorted", keys, err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fk, err := FKeys(int(f.Fd()), &buf); err != nil || len(fk) != 3 {
		t.Fatalf("FKeys = %q, %v", fk, err)
	}
	buf = make([]byte, 4) // force the ERANGE path
	v, err := LValue(p, "user.big", &buf)
	if err != nil || string(v) != big {
		t.Fatalf("LValue(user.big) = %d bytes, %v; want %d", len(v), err, len(big))
	}
	if _, err := LValue(p, "user.none", &buf); !errors.Is(err, unix.ENODATA) {
		t.Fatalf("LValue of a missing key = %v, want ENODATA", err)
	}
}

func TestKeysOfSymlinkNotFollowed(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Lsetxattr(target, "user.x", []byte("1"), 0); err != nil {
		t.Skipf("no user xattrs here: %v", err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	if keys, err := LKeys(link, &buf); err != nil || len(keys) != 0 {
		t.Fatalf("LKeys(symlink) = %q, %v; want none (the link's own, not the target's)", keys, err)
	}
}
