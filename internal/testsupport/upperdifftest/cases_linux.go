package upperdifftest

import (
	"os"
	"path/filepath"
	"time"

	dt "github.com/layerfs/graphdriver/drivertest"
	"golang.org/x/sys/unix"
)

// FixedTime is the mtime of every entry of Base.
var FixedTime = time.Unix(1700000000, 0)

// Base makes the tree every case starts from in root. Every mtime is a
// whole second, so a same-size rewrite needs the content comparison.
func Base(root string) error {
	var steps []dt.Applier
	for _, d := range []string{"a", "b", "b/sub", "e", "r", "r/deep", "tdir", "keep", "keep/k"} {
		steps = append(steps, dt.CreateDir(d, 0o755))
	}
	for _, f := range []string{"a/1", "a/2", "a/3", "b/x", "b/sub/y", "e/1", "e/2", "f", "g", "h", "m", "t",
		"xa", "r/one", "r/deep/two", "typ", "tdir/in", "keep/k/z", "hl1"} {
		steps = append(steps, dt.CreateFile(f, []byte("content of "+f), 0o644))
	}
	steps = append(steps, dt.Link("hl1", "hl2"), dt.Symlink("f", "link"))
	if err := dt.Apply(steps...).Apply(root); err != nil {
		return err
	}
	return filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		return unix.Lutimes(p, []unix.Timeval{{Sec: FixedTime.Unix()}, {Sec: FixedTime.Unix()}})
	})
}

// MidChange is what the middle layer of Run's chain changes over Base.
var MidChange = dt.Apply(file("midfile", "m"), dt.Remove("a/3"), dt.CreateDir("fromMid", 0o755))

// A Case is one change made to a layer's view.
type Case struct {
	Name   string
	Change dt.Applier
	Native bool // the upper walk applies (else it must give way)
}

func file(name, content string) dt.Applier { return dt.CreateFile(name, []byte(content), 0o644) }

func appendTo(name, content string) dt.Applier { return dt.AppendFile(name, []byte(content)) }

func mkdir(name string) dt.Applier { return dt.CreateDir(name, 0o755) }

func mtime(name string, t time.Time) dt.Applier { return dt.Chtimes(name, t, t) }

func xattr(name string) dt.Applier { return dt.SetXattr(name, "user.native", []byte("v")) }

// Cases are the changes Run checks, over Base and over Base+MidChange.
func Cases() []Case {
	later := FixedTime.Add(time.Hour)
	s := dt.Apply
	return []Case{
		{"nothing", s(), true},
		{"add", s(file("new", "n"), mkdir("nd"), file("nd/x", "x"), mkdir("a/na")), true},
		{"modify", appendTo("f", "more"), true},
		{"same-size-rewrite", s(file("g", "CONTENT OF g"), mtime("g", FixedTime)), true},
		{"delete", s(dt.Remove("g"), dt.Remove("a/1")), true},
		{"delete-dir", dt.RemoveAll("b"), true},
		{"rmrf-mkdir", s(dt.RemoveAll("b"), mkdir("b"), file("b/z", "z")), true},
		{"rmrf-mkdir-same-name", s(dt.RemoveAll("b"), mkdir("b"), mkdir("b/sub")), true},
		{"rmrf-mkdir-empty", s(dt.RemoveAll("b"), mkdir("b")), true},
		{"emptied", s(dt.Remove("e/1"), dt.Remove("e/2")), true},
		{"emptied-refilled", s(dt.Remove("e/1"), dt.Remove("e/2"), file("e/3", "3")), true},
		{"emptied-dir-restored", s(dt.Remove("e/1"), dt.Remove("e/2"), mtime("e", FixedTime)), true},
		{"chmod", dt.Chmod("h", 0o600), true},
		{"chmod-dir", dt.Chmod("a", 0o700), true},
		{"mtime", mtime("m", later), true},
		{"touch-restore", s(mtime("t", later), mtime("t", FixedTime)), true},
		{"chmod-restore", s(dt.Chmod("keep/k/z", 0o600), dt.Chmod("keep/k/z", 0o644)), true},
		{"dir-copyup-restored", s(file("keep/k/tmp", ""), dt.Remove("keep/k/tmp"),
			mtime("keep/k", FixedTime), mtime("keep", FixedTime)), true},
		{"symlink-retarget", s(dt.Remove("link"), dt.Symlink("g", "link")), true},
		{"symlink-mtime", s(dt.Remove("link"), dt.Symlink("f", "link")), true},
		{"file-to-dir", s(dt.Remove("typ"), mkdir("typ"), file("typ/in", "i")), true},
		{"dir-to-file", s(dt.RemoveAll("tdir"), file("tdir", "now a file")), true},
		// A lower dir cannot be renamed with redirect_dir=off (EXDEV):
		// Rename copies it and removes the original, as mv(1) does.
		{"rename-lower-dir", dt.Rename("r", "r2"), true},
		{"xattr", xattr("xa"), true},
		{"xattr-dir", xattr("a"), true},
		{"opaque-nested", s(dt.RemoveAll("b"), mkdir("b"), mkdir("b/sub"), mkdir("b/sub/q"), file("b/sub/y", "new y")), true},
		{"opaque-then-delete", s(dt.RemoveAll("b"), mkdir("b"), file("b/x", "x2"), dt.Remove("b/x")), true},
		{"create-delete", s(file("a/tmp", "t"), dt.Remove("a/tmp")), true},
		{"delete-mid-entries", s(dt.RemoveAll("midfile"), dt.RemoveAll("fromMid")), true},
		{"deep-modify", appendTo("keep/k/z", "!"), true},
		{"rm-add-same", s(dt.Remove("f"), file("f", "content of f")), true},
		{"root-whiteouts", s(dt.Remove("f"), dt.Remove("g"), dt.Remove("h")), true},
		{"fifo", dt.Mkfifo("fifo", 0o644), true},
		{"new-hardlink", dt.Link("f", "f2"), false},
		{"touch-hardlinked", appendTo("hl1", "x"), false},
		{"delete-hardlinked", dt.Remove("hl2"), false},
	}
}
