// Package loopfs makes real filesystems for tests: a sparse image file in
// the test's temporary directory, formatted with mkfs.<type> and mounted
// on a loop device, unmounted and detached when the test ends.
//
// Tests use it to run on the filesystem a feature needs: xfs with
// reflink=1 or prjquota, btrfs, xfs with ftype=0 (no d_type), ext4. It
// needs root, the mkfs program and kernel support for the filesystem;
// without them New skips the test with the reason, so the same tests run
// unprivileged and on other platforms (where New always skips).
//
// The loop device is attached with autoclear: the kernel detaches it when
// the last user (the mount) goes away, so an interrupted test leaks at
// most a mount, never a loop device without one. Not for production use.
package loopfs
