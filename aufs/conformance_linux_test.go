package aufs

import (
	"testing"

	"github.com/layerfs/graphdriver/drivertest"
)

// programOption is how the tests mount without kernel aufs.
const programOption = "aufs.mount_program=fuse-overlayfs"

// TestConformance runs the suite with fuse-overlayfs as the mount
// program: it needs root and the fuse-overlayfs package, and skips
// saying which is missing.
func TestConformance(t *testing.T) {
	drivertest.Run(t, drivertest.Opener(New, programOption), programDeviations...)
}

// programDeviations are fuse-overlayfs's (1.10, verified on this kernel)
// departures from the union semantics, which no driver can hide, since
// the program does the copy-up. Kernel aufs has none of them.
var programDeviations = []drivertest.Option{
	drivertest.SplitsLowerHardlinks(
		"fuse-overlayfs copies up one name of a lower hardlink alone"),
	drivertest.LossyCopyUp("fuse-overlayfs copies a lower fifo or device up as a regular file " +
		"(the call fails with EIO), drops setuid/setgid from directories it copies up, gives a " +
		"copied-up symlink a new mtime, renames a lower directory by copying its tree up that way, " +
		"can show a hardlink to a lower file as a separate file (a path keeps a lower layer's inode number), " +
		"copies another name of a lower hardlink up alone when one is removed, and gives the directories " +
		"a copy-up writes into a new mtime"),
}

// TestRegistered: importing the package registers the backend, and New("")
// picks a root that holds its state (with the mount program).
func TestRegistered(t *testing.T) { drivertest.CheckRegistered(t, Name, programOption) }
