package cow

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestCopyDirMetadata(t *testing.T) {
	base := t.TempDir()
	src, dst := filepath.Join(base, "src"), filepath.Join(base, "dst")
	for _, d := range []string{src, dst} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dst, "kept"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	xattrs := unix.Lsetxattr(src, "user.want", []byte("1"), 0) == nil &&
		unix.Lsetxattr(dst, "user.drop", []byte("2"), 0) == nil
	if err := os.Chmod(src, 0o750|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	mtime := time.Unix(1_600_000_000, 123456789)
	if err := os.Chtimes(src, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := NewCopier(nil).CopyDirMetadata(dst, src); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o750 || fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("mode %v, want sticky 0750", fi.Mode())
	}
	if !fi.ModTime().Equal(mtime) {
		t.Errorf("mtime %v, want %v", fi.ModTime(), mtime)
	}
	if _, err := os.Lstat(filepath.Join(dst, "kept")); err != nil {
		t.Errorf("contents touched: %v", err)
	}
	if !xattrs {
		t.Log("user xattrs unsupported here: xattr part not checked")
		return
	}
	buf := make([]byte, 16)
	if n, err := unix.Lgetxattr(dst, "user.want", buf); err != nil || string(buf[:n]) != "1" {
		t.Errorf("user.want = %q, %v; want 1", buf[:max(n, 0)], err)
	}
	if _, err := unix.Lgetxattr(dst, "user.drop", buf); !errors.Is(err, unix.ENODATA) {
		t.Errorf("user.drop still there (err %v), want it removed", err)
	}
}

func TestCopyDirMetadataRefusesSymlink(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := NewCopier(nil).CopyDirMetadata(link, base); !errors.Is(err, unix.ELOOP) && !errors.Is(err, unix.ENOTDIR) {
		t.Fatalf("CopyDirMetadata onto a symlink = %v, want ELOOP or ENOTDIR", err)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o700 {
		t.Fatalf("symlink target mode changed to %v", fi.Mode())
	}
}
