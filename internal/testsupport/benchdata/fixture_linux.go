package benchdata

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/layerfs/graphdriver/archive"
)

// Fixture returns the cached fixture name, written by build first if
// missing. build writes into a temporary sibling that is renamed into
// place, so an interrupted run, or the other package's benchmarks
// building it at the same time, never leave a partial fixture.
func Fixture(b *testing.B, name string, build func(path string) error) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("layerfs-bench-%s-uid%d", Version, os.Geteuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() || st.Sys().(*syscall.Stat_t).Uid != uint32(os.Geteuid()) {
		b.Fatalf("fixture cache %s is not a directory of ours: %v", dir, err)
	}
	final := filepath.Join(dir, name)
	if _, err := os.Lstat(final); err == nil {
		return final
	}
	tmp, err := os.MkdirTemp(dir, name+".tmp-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	b.Logf("building %s (once; cached)", final)
	if err := build(filepath.Join(tmp, name)); err != nil {
		b.Fatalf("build %s: %v", name, err)
	}
	if err := os.Rename(filepath.Join(tmp, name), final); err != nil {
		if _, statErr := os.Lstat(final); statErr != nil { // nobody else made it
			b.Fatal(err)
		}
	}
	return final
}

// writeTar streams the tar that fill writes into a new file at path.
func writeTar(path string, fill func(tw *tar.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	bw := bufio.NewWriterSize(f, 1<<20)
	tw := tar.NewWriter(bw)
	if err := fill(tw); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteBigTar writes the 1 GiB layer: sixteen 64 MiB files of seeded
// random content (incompressible, like the binaries and blobs that make
// layers big), streamed so that the tar is never in memory, and 2,000
// files of 4 KiB in 20 directories so per-entry costs show too.
const BigTarBytes = 16<<26 + 2000<<12

func WriteBigTar(path string) error {
	modTime := time.Unix(1714521600, 123456789)
	return writeTar(path, func(tw *tar.Writer) error {
		put := func(typ byte, name string, size int64, seed byte) error {
			h := &tar.Header{Typeflag: typ, Name: name, Size: size, Mode: 0o755, ModTime: modTime, Format: tar.FormatPAX}
			if err := tw.WriteHeader(h); err != nil || size == 0 {
				return err
			}
			_, err := io.CopyN(tw, rand.NewChaCha8([32]byte{seed, 1}), size)
			return err
		}
		err := put(tar.TypeDir, "big/", 0, 0)
		for i := range 16 {
			err = errors.Join(err, put(tar.TypeReg, fmt.Sprintf("big/blob%02d", i), 64<<20, byte(i)))
		}
		err = errors.Join(err, put(tar.TypeDir, "small/", 0, 0))
		for d := range 20 {
			err = errors.Join(err, put(tar.TypeDir, fmt.Sprintf("small/d%02d/", d), 0, 0))
			for f := range 100 {
				err = errors.Join(err, put(tar.TypeReg, fmt.Sprintf("small/d%02d/f%03d", d, f), 4<<10, byte(f)))
			}
		}
		return err
	})
}

// ApplyFile applies the tar file tarPath onto dst with archive.Apply and
// checks it wrote want bytes of content. Unprivileged, owners are left as
// the caller's, as GNU tar leaves them.
func ApplyFile(tarPath, dst string, want int64) error {
	f, err := os.Open(tarPath)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := archive.Apply(dst, f, &archive.ApplyOptions{IgnoreChownErrors: os.Geteuid() != 0})
	if err == nil && n != want {
		err = fmt.Errorf("apply wrote %d bytes of content, want %d", n, want)
	}
	return err
}
