// Package benchdata builds the fixtures the benchmarks share and measures
// peak memory: a synthetic root filesystem tar of 20,000 files shaped like
// a distro's, a 1 GiB layer tar, and their unpacked trees, cached under
// os.TempDir() in a directory named for Version and the uid, because
// building them takes longer than a benchmark run. Tests and benchmarks
// only; Linux only. Not for tests that must stay fast: the first build
// takes minutes and about 3 GB of the temp dir (-short skips them).
package benchdata

// Version names the fixture cache: bump it when a generator changes.
const Version = "v1"
