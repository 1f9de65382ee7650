// Package drivertest is the conformance suite every graphdriver backend
// runs, plus the fixture tools it is built from, for backends' own tests.
//
// # Running the suite
//
// A backend's test calls Run with a Factory that opens the backend on a
// given home directory:
//
//	func TestConformance(t *testing.T) {
//		drivertest.Run(t, func(home string) (graphdriver.Driver, error) {
//			return vfs.New(home, nil, graphdriver.IDMap{})
//		})
//	}
//
// Each check is a subtest on a fresh home (t.TempDir()); the driver's
// Cleanup runs when the subtest ends. A Factory error wrapping
// graphdriver.ErrNotSupported skips the subtest with the error as the
// reason. Checks, or parts of checks, that need root (foreign owners,
// device nodes, trusted.* xattrs, file capabilities) are skipped or left
// out with a logged reason when the test runs as another user; run the
// suite as root in CI. The 500-layer chain is skipped with -short.
//
// The checks cover the lifecycle and error contract of graphdriver.Driver:
// creating layers empty and from parents, Exists and Remove, the
// sentinel errors and what a failed call leaves behind, error messages,
// Get/Put reference counting (also from many goroutines: run with -race),
// 128- and 500-layer chains, shadowing and copy-up, deletions hidden in
// children, reopening a home, Status and GetMetadata, and whether the
// diff operations are available. When a check fails it logs listings of
// the layers involved.
//
// The diff half holds backends to the canonical layer tar, byte for byte
// (the rules are in check_diff_exact.go; the tars the checks expect are
// built with archive/tar from those rules, never with the library's own
// writer): exact Diff entry lists, Changes and DiffSize; ApplyDiff round
// trips; tars written by hand in canonical form, and in the forms real
// producers write (GNU, USTAR, absolute and "./" names, implied parents,
// duplicates, LIBARCHIVE xattrs, whiteouts and opaque markers in any
// order); whiteouts across three layers; type changes, renamed lower
// directories and hardlinks; hostile tars, which must be ErrInvalidLayer
// naming the entry and leave no layer and nothing changed outside the
// home. Its checks skip with the backend's reason when a diff operation
// returns ErrNotSupported. On a mismatch they print both entry lists, one
// line per entry, marked where they differ.
//
// # Fixtures and trees
//
// Fixtures are data: Applier steps (CreateFile, CreateDir, Remove,
// RemoveAll, Rename, Link, Symlink, Chown, Chmod, Chtimes, SetXattr,
// Mkfifo, Mknod), composed with Apply, act on paths relative to a root.
// They never leave the root, lexically or through a symlink in a parent
// directory (openat2 RESOLVE_BENEATH), and never follow a symlink in the
// final component.
//
// Snapshot records a tree (type, mode with setuid/setgid/sticky, owner,
// content digest, symlink target, device numbers, xattrs, hardlink
// groups; modification times only on request). DiffTrees, CheckTreesEqual
// and RequireSameTree compare trees one line per difference
// ("etc/hosts: mode 0644 != 0600", want first), and Tree.String prints an
// ls -lR style listing. The suite checks a layer against a model: the
// same fixtures applied to a plain directory.
//
// # Platforms
//
// Linux only. Elsewhere the package builds, fixture steps and Snapshot
// return errors wrapping graphdriver.ErrNotSupported, and Run skips.
//
// # When not to use it
//
// It is a test library: it is slow by design (full tree snapshots, layer
// chains of 500) and imports the testing package. Benchmarks of backends
// belong in benchmarks, not in these checks.
package drivertest
