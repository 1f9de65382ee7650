package loopfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name      string
		fstype    string
		size      int64
		mkfsArgs  []string
		mountOpts string
		magic     uint32
	}{
		{"ext4", "ext4", 64 << 20, nil, "", unix.EXT4_SUPER_MAGIC},
		{"xfs reflink", "xfs", 320 << 20, []string{"-m", "reflink=1"}, "", unix.XFS_SUPER_MAGIC},
		{"xfs prjquota", "xfs", 320 << 20, nil, "prjquota", unix.XFS_SUPER_MAGIC},
		{"btrfs", "btrfs", 160 << 20, nil, "", unix.BTRFS_SUPER_MAGIC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var image string
			t.Run("mounted", func(t *testing.T) {
				mnt := New(t, tt.fstype, tt.size, tt.mkfsArgs, tt.mountOpts)
				image = filepath.Join(filepath.Dir(mnt), tt.fstype+".img")
				var fs unix.Statfs_t
				if err := unix.Statfs(mnt, &fs); err != nil {
					t.Fatal(err)
				}
				if uint32(fs.Type) != tt.magic {
					t.Fatalf("filesystem magic %#x, want %#x", fs.Type, tt.magic)
				}
				if err := os.WriteFile(filepath.Join(mnt, "f"), []byte("data"), 0o644); err != nil {
					t.Fatal(err)
				}
				if tt.mountOpts != "" && !strings.Contains(mountOptions(t, mnt), tt.mountOpts) {
					t.Fatalf("mount options of %s lack %q: %s", mnt, tt.mountOpts, mountOptions(t, mnt))
				}
			})
			if image == "" {
				return // skipped
			}
			// The kernel may detach an autoclear device a little after
			// the unmount returns.
			dev := loopOf(t, image)
			for i := 0; dev != "" && i < 40; i++ {
				time.Sleep(50 * time.Millisecond)
				dev = loopOf(t, image)
			}
			if dev != "" {
				t.Errorf("%s still backs %s after cleanup", image, dev)
			}
		})
	}
}

func TestNewSkipsUnknownFilesystem(t *testing.T) {
	ran := false
	t.Run("inner", func(t *testing.T) {
		New(t, "no-such-fs", 1<<20, nil, "")
		ran = true
	})
	if ran {
		t.Fatal("New returned for a filesystem without mkfs")
	}
}

// mountOptions returns the option fields of mnt's line in
// /proc/self/mountinfo, or "" when it is not mounted.
func mountOptions(t *testing.T, mnt string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 5 && f[4] == mnt {
			return f[5] + " " + f[len(f)-1]
		}
	}
	return ""
}

// loopOf returns the loop device image backs, or "" when none does.
func loopOf(t *testing.T, image string) string {
	t.Helper()
	files, err := filepath.Glob("/sys/block/loop*/loop/backing_file")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && strings.TrimSpace(string(b)) == image {
			return f
		}
	}
	return ""
}
