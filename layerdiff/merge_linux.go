package layerdiff

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/whiteout"
	"golang.org/x/sys/unix"
)

func merge(dst, diff string, copier *cow.Copier) error {
	root, err := os.Lstat(dst)
	if err != nil {
		return fmt.Errorf("layerdiff: merge: %w", err)
	}
	if err := mergeDir(dst, diff, copier); err != nil {
		return err
	}
	mtime := root.ModTime()
	if err := os.Chtimes(dst, mtime, mtime); err != nil {
		return fmt.Errorf("layerdiff: merge: restore times of %s: %w", dst, err)
	}
	return nil
}

// mergeDir merges the diff directory src into dst: the opaque marker
// first, then whiteouts, then entries, so a whiteout never removes what
// this same diff brings.
func mergeDir(dst, src string, copier *cow.Copier) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("layerdiff: merge: %w", err)
	}
	var keep []string
	for _, e := range entries {
		name := e.Name()
		target, isWhiteout, err := whiteout.Target(name)
		switch {
		case err != nil:
			return fmt.Errorf("layerdiff: merge %s: %w", filepath.Join(src, name), err)
		case whiteout.IsOpaqueMarker(name):
			err = emptyDir(dst)
		case isWhiteout:
			err = removeIfExists(filepath.Join(dst, target))
		case whiteout.IsAUFSMeta(name):
		default:
			keep = append(keep, name)
		}
		if err != nil {
			return err
		}
	}
	for _, name := range keep {
		if err := mergeEntry(dst, src, name, copier); err != nil {
			return err
		}
	}
	return nil
}

// mergeEntry puts src/name at dst/name. A directory is merged entry by
// entry (made first where dst has none), so markers inside it are
// interpreted rather than copied; anything else is renamed over dst's.
func mergeEntry(dst, src, name string, copier *cow.Copier) error {
	s, d := filepath.Join(src, name), filepath.Join(dst, name)
	sfi, err := os.Lstat(s)
	if err != nil {
		return fmt.Errorf("layerdiff: merge: %w", err)
	}
	dfi, err := os.Lstat(d)
	dirInDst := err == nil && dfi.IsDir()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("layerdiff: merge: %w", err)
	}
	if !sfi.IsDir() || !dirInDst {
		if err := removeIfExists(d); err != nil {
			return err
		}
	}
	if !sfi.IsDir() {
		if err := os.Rename(s, d); err != nil {
			return fmt.Errorf("layerdiff: merge: %w", err)
		}
		return nil
	}
	if !dirInDst {
		if err := os.Mkdir(d, 0o700); err != nil {
			return fmt.Errorf("layerdiff: merge: %w", err)
		}
	}
	// Moving the entries changes the times of both dirs: keep s's first.
	var st unix.Stat_t
	if err := unix.Lstat(s, &st); err != nil {
		return fmt.Errorf("layerdiff: merge: lstat %s: %w", s, err)
	}
	if err := mergeDir(d, s, copier); err != nil {
		return err
	}
	if err := copier.CopyDirMetadata(d, s); err != nil {
		return err
	}
	times := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, d, times, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("layerdiff: merge: set times of %s: %w", d, err)
	}
	return nil
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("layerdiff: merge: %w", err)
	}
	for _, e := range entries {
		if err := removeIfExists(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// removeIfExists removes path and all below it; a symlink is removed, not
// followed.
func removeIfExists(path string) error {
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("layerdiff: merge: %w", err)
	}
	return nil
}
