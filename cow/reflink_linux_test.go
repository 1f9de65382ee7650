package cow

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/layerfs/graphdriver/internal/testsupport/loopfs"
	"golang.org/x/sys/unix"
)

// reflinkTree has files big enough to live in extents of their own (btrfs
// inlines small files in metadata, which FICLONE copies, not shares).
func reflinkTree() []step {
	return []step{
		mkdir("d"),
		random("d/one", 256<<10, 1), random("d/two", 1<<20+7, 2),
		sparse("d/sparse", 8<<20, [2]int64{0, 128 << 10}, [2]int64{4 << 20, 128 << 10}),
		write("small", "tiny"), write("empty", ""),
	}
}

var sharedChecked = []string{"d/one", "d/two", "d/sparse"}

func TestReflink(t *testing.T) {
	tests := []struct {
		name     string
		fstype   string
		size     int64
		mkfsArgs []string
		reflink  bool
	}{
		{"xfs", "xfs", 512 << 20, []string{"-m", "reflink=1"}, true},
		{"xfs without reflink", "xfs", 512 << 20, []string{"-m", "reflink=0"}, false},
		{"btrfs", "btrfs", 256 << 20, nil, true},
		{"ext4", "ext4", 128 << 20, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mnt := loopfs.New(t, tt.fstype, tt.size, tt.mkfsArgs, "")
			src := filepath.Join(mnt, "src")
			mustMkdir(t, src)
			build(t, src, reflinkTree())
			ok, err := ReflinkSupported(mnt)
			if err != nil || ok != tt.reflink {
				t.Fatalf("ReflinkSupported = %v, %v; want %v", ok, err, tt.reflink)
			}
			var stats Stats
			dst := filepath.Join(mnt, "dst")
			if err := CopyTree(dst, src, &Options{Stats: &stats}); err != nil {
				t.Fatal(err)
			}
			requireSameTree(t, src, dst)
			t.Logf("stats: %+v", stats)
			if !tt.reflink {
				if stats.Reflinked != 0 {
					t.Fatalf("stats %+v: reflinks on %s", stats, tt.name)
				}
				return
			}
			if stats.Reflinked != 4 || stats.CopyRanged+stats.ReadWritten != 0 {
				t.Fatalf("stats %+v, want the 4 non-empty files reflinked", stats)
			}
			for _, p := range sharedChecked {
				requireShared(t, filepath.Join(dst, p))
			}
		})
	}
}

// TestCrossFilesystem copies from the temp dir to xfs: no reflink is
// possible, the copy must still be exact, and the Copier must remember
// after the first file that FICLONE does not work for the pair.
func TestCrossFilesystem(t *testing.T) {
	mnt := loopfs.New(t, "xfs", 512<<20, []string{"-m", "reflink=1"}, "")
	src := tempDir(t)
	build(t, src, append(reflinkTree(), fullTree()...))
	var stats Stats
	c := NewCopier(&Options{Stats: &stats})
	dst := filepath.Join(mnt, "dst")
	if err := c.CopyTree(dst, src); err != nil {
		t.Fatal(err)
	}
	requireSameTree(t, src, dst)
	t.Logf("stats: %+v", stats)
	if stats.Reflinked != 0 || stats.CopyRanged+stats.ReadWritten == 0 {
		t.Fatalf("stats %+v: want no reflinks and some copies", stats)
	}
	if len(c.pairs) != 1 {
		t.Fatalf("copier knows %d filesystem pairs, want 1", len(c.pairs))
	}
	for k, p := range c.pairs {
		if !p.noClone.Load() {
			t.Errorf("pair %v: FICLONE failure not remembered", k)
		}
	}
}

// TestXattrPolicy copies onto ramfs, which has no xattrs at all.
func TestXattrPolicy(t *testing.T) {
	ram := ramfs(t)
	src := tempDir(t)
	build(t, src, []step{mkdir("d"), write("d/f", "f"), setxattr("d/f", "user.test", []byte("1")),
		setxattr("d", "user.dir", []byte("2"))})

	err := CopyTree(filepath.Join(ram, "strict"), src, nil)
	checkErr(t, err, unix.EOPNOTSUPP, "cow: copy d/f: set xattr user.test: operation not supported")
	mustNotExist(t, filepath.Join(ram, "strict"))

	dst := filepath.Join(ram, "skip")
	if err := CopyTree(dst, src, &Options{Xattrs: XattrsSkipUnsupported}); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, src)
	for p, e := range want {
		e.Xattrs = nil
		want[p] = e
	}
	requireSame(t, want, snapshot(t, dst), "copy without xattrs")
}

// ramfs mounts a ramfs (no xattr support) for the test.
func ramfs(t *testing.T) string {
	t.Helper()
	if !isRoot() {
		t.Skip("mounting ramfs needs root")
	}
	dir := t.TempDir()
	if err := unix.Mount("ramfs", dir, "ramfs", 0, ""); err != nil {
		t.Skipf("cannot mount ramfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount ramfs: %v", err)
		}
	})
	return dir
}

// FIEMAP, from linux/fiemap.h; x/sys/unix does not have it.
const (
	fsIocFiemap        = 0xc020660b // _IOWR('f', 11, struct fiemap)
	fiemapFlagSync     = 0x1
	fiemapExtentShared = 0x2000
)

type fiemapExtent struct {
	Logical, Physical, Length uint64
	_                         [2]uint64
	Flags                     uint32
	_                         [3]uint32
}

type fiemap struct {
	Start, Length                               uint64
	Flags, MappedExtents, ExtentCount, reserved uint32
	Extents                                     [128]fiemapExtent
}

// requireShared fails unless every extent of path is shared with
// another file.
func requireShared(t *testing.T, path string) {
	t.Helper()
	exts, err := extents(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(exts) == 0 {
		t.Fatalf("%s has no extents", path)
	}
	for _, e := range exts {
		if e.Flags&fiemapExtentShared == 0 {
			t.Errorf("%s: extent at %d (+%d) flags %#x: not shared", path, e.Logical, e.Length, e.Flags)
		}
	}
}

func extents(path string) ([]fiemapExtent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fm := fiemap{Length: ^uint64(0), Flags: fiemapFlagSync, ExtentCount: 128}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), fsIocFiemap, uintptr(unsafe.Pointer(&fm)))
	if errno != 0 {
		return nil, fmt.Errorf("fiemap %s: %w", path, errno)
	}
	return fm.Extents[:fm.MappedExtents], nil
}
