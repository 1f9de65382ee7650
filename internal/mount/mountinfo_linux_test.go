package mount

import (
	"strings"
	"testing"
)

const table = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 0:40 / /var/lib/s/aufs/mnt/a rw - fuse.fuse-overlayfs fuse-overlayfs rw,user_id=0
31 22 0:41 / /var/lib/s/aufs/mnt/with\040space rw - aufs none rw,si=1
32 31 0:42 / /var/lib/s/aufs/mnt/a/inner rw - tmpfs tmpfs rw
33 22 0:43 / /var/lib/s/aufsx/mnt/b rw - tmpfs tmpfs rw
`

func TestParseUnderIsMountPoint(t *testing.T) {
	entries, err := Parse(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 5 {
		t.Fatalf("parsed %d entries, want 5: %v", len(entries), entries)
	}
	if e := entries[2]; e.Point != "/var/lib/s/aufs/mnt/with space" || e.FSType != "aufs" {
		t.Fatalf("entry with an escaped space = %+v", e)
	}
	under := Under(entries, "/var/lib/s/aufs/")
	var got []string
	for _, e := range under {
		got = append(got, e.Point)
	}
	want := "/var/lib/s/aufs/mnt/a/inner,/var/lib/s/aufs/mnt/with space,/var/lib/s/aufs/mnt/a"
	if strings.Join(got, ",") != want {
		t.Fatalf("Under = %s, want %s (deepest first, not the sibling aufsx)", strings.Join(got, ","), want)
	}
	if !IsMountPoint(entries, "/var/lib/s/aufs/mnt/a") || IsMountPoint(entries, "/var/lib/s/aufs/mnt") {
		t.Fatal("IsMountPoint wrong")
	}
	fuse := Points(Under(entries, "/var/lib/s/aufs", "fuse.fuse-overlayfs", "aufs"))
	if strings.Join(fuse, ",") != "/var/lib/s/aufs/mnt/with space,/var/lib/s/aufs/mnt/a" {
		t.Fatalf("Under by type = %v", fuse)
	}
}
