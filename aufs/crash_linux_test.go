package aufs

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/mount"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

// TestCrashLeftoversPurged: a Create or Remove cut short by a crash
// (moby#21925: orphan layers) leaves temporary names, <id>-removing dirs
// or a layers file without its diff dir; open purges them and the layers
// beside them survive.
func TestCrashLeftoversPurged(t *testing.T) {
	home := filepath.Join(t.TempDir(), "aufs")
	d := openDriver(t, home)
	if err := d.Create("keep", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Cleanup(); err != nil {
		t.Fatal(err)
	}
	planted := []string{"diff/.tmp-half/f", "layers/.tmp-half", "diff/gone-removing/sub/f", "mnt/gone-removing/",
		"layers/orphan", "work/stale/work/f"}
	for _, p := range planted {
		full := filepath.Join(home, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(p, "/") {
			if err := os.WriteFile(full, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	d = openDriver(t, home)
	for _, p := range []string{"diff/.tmp-half", "layers/.tmp-half", "diff/gone-removing", "mnt/gone-removing", "layers/orphan", "work/stale"} {
		if _, err := os.Lstat(filepath.Join(home, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived reopen (err %v)", p, err)
		}
	}
	if !d.Exists("keep") || d.Exists("half") || d.Exists("orphan") {
		t.Fatalf("after reopen: keep=%v half=%v orphan=%v, want true false false", d.Exists("keep"), d.Exists("half"), d.Exists("orphan"))
	}
}

// TestPutNormalizes: what fuse-overlayfs writes into a read-write view
// is in AUFS form once the last Put returns: deletions as .wh. files, a
// directory removed and made again as an opaque marker without the
// opaque xattr fuse-overlayfs also sets, a copied-up file without the
// user.fuseoverlayfs.origin xattr it tags it with, and a char 0/0 device
// made in the view as a whiteout.
func TestPutNormalizes(t *testing.T) {
	home := filepath.Join(t.TempDir(), "aufs")
	d := openDriver(t, home)
	if err := d.Create("base", "", nil); err != nil {
		t.Fatal(err)
	}
	writeView(t, d, "base", map[string]string{"etc/hosts": "h\n", "etc/motd": "m\n", "var/cache/a": "a\n", "dev/keep": "k\n"})
	if err := d.CreateReadWrite("ctr", "base", nil); err != nil {
		t.Fatal(err)
	}
	writeView(t, d, "ctr", map[string]string{"etc/motd": "", "var/cache": ""})
	writeView(t, d, "ctr", map[string]string{"var/cache/b": "b\n", "etc/hosts": "h2\n"})
	dir, err := d.Get("ctr", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(dir, "dev/null0"), unix.S_IFCHR|0o600, 0); err != nil {
		t.Fatal(err)
	}
	if err := d.Put("ctr"); err != nil {
		t.Fatal(err)
	}
	got := listTree(t, d.diffDir("ctr"))
	want := []string{"d dev", "f dev/.wh.null0", "d etc", "f etc/.wh.motd", "f etc/hosts", "d var", "d var/cache",
		"f var/cache/.wh..wh..opq", "f var/cache/b"}
	if !slices.Equal(got, want) {
		t.Fatalf("diff dir after Put:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	requireNoOpaqueXattrs(t, d.diffDir("ctr"))
	if got := readView(t, d, "ctr", "var/cache/a") + readView(t, d, "ctr", "var/cache/b"); got != "b\n" {
		t.Fatalf("var/cache after a remount shows %q, want only b", got)
	}
}

// requireNoOpaqueXattrs fails if anything under root carries a mount
// program's xattr (opaque marks, copy-up origins).
func requireNoOpaqueXattrs(t *testing.T, root string) {
	t.Helper()
	var buf []byte
	_ = filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.Type()&os.ModeSymlink != 0 {
			return err
		}
		kv, err := programXattrs(p, &buf)
		if err != nil || len(kv) > 0 {
			t.Errorf("%s: program xattrs %v (err %v)", p, kv, err)
		}
		return nil
	})
}

// TestCrashStaleMountUnmounted: views a crashed process left mounted
// (one through Get, one started by hand) are unmounted on open, what
// the program wrote through them is normalized, and the layers can be
// removed: no "device or resource busy".
func TestCrashStaleMountUnmounted(t *testing.T) {
	home := filepath.Join(t.TempDir(), "aufs")
	d := openDriver(t, home)
	for _, id := range []string{"base", "child", "other"} {
		parent := map[string]string{"child": "base", "other": "base"}[id]
		if err := d.CreateReadWrite(id, parent, nil); err != nil {
			t.Fatal(err)
		}
		if id == "base" {
			writeView(t, d, "base", map[string]string{"d/f": "base\n"})
		}
	}
	dir, err := d.Get("child", "") // never Put: the process "crashes"
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(home, "mnt", "other"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("fuse-overlayfs", "-o", "lowerdir=base", filepath.Join(d.s.Home, "mnt", "other"))
	cmd.Dir = d.diffRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mount by hand: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = unix.Unmount(filepath.Join(d.s.Home, "mnt", "other"), unix.MNT_DETACH) })

	d2 := openDriver(t, home) // the next process; d is abandoned
	requireNoMountsUnder(t, home)
	requireNoOpaqueXattrs(t, d2.diffDir("child"))
	if ok, err := whiteout.IsOpaqueDir(filepath.Join(d2.diffDir("child"), "d"), whiteout.AUFS); err != nil || !ok {
		t.Fatalf("child's d made again is not an AUFS opaque dir: %v, %v", ok, err)
	}
	if got := readView(t, d2, "child", "d/f"); got != "" {
		t.Fatalf("child's d/f = %q after the crash, want hidden", got)
	}
	for _, id := range []string{"child", "other", "base"} {
		if err := d2.Remove(id); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRemoveLeakedMountBusy: a mount on mnt/<id> that this driver did not
// make (a leak) makes Remove fail with ErrBusy and leaves the layer, and
// Cleanup leaves that mount alone: it unmounts only its own views.
func TestRemoveLeakedMountBusy(t *testing.T) {
	home := filepath.Join(t.TempDir(), "aufs")
	d := openDriver(t, home)
	for _, id := range []string{"a", "b"} {
		if err := d.Create(id, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	leak := d.mntDir("a")
	if err := unix.Mount("tmpfs", leak, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Unmount(leak, unix.MNT_DETACH) })
	if err := d.Remove("a"); !errors.Is(err, graphdriver.ErrBusy) {
		t.Fatalf("Remove of a layer with a leaked mount = %v, want ErrBusy", err)
	}
	if !d.Exists("a") {
		t.Fatal("layer a gone after a refused Remove")
	}
	if _, err := d.Get("b", ""); err != nil {
		t.Fatal(err)
	}
	if err := d.Cleanup(); err != nil {
		t.Fatal(err)
	}
	entries, err := mount.Read()
	if err != nil {
		t.Fatal(err)
	}
	if !mount.IsMountPoint(entries, leak) || mount.IsMountPoint(entries, d.mntDir("b")) {
		t.Fatalf("after Cleanup: leak mounted %v (want true), b mounted %v (want false)",
			mount.IsMountPoint(entries, leak), mount.IsMountPoint(entries, d.mntDir("b")))
	}
}
