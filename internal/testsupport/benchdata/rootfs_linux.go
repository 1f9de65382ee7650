package benchdata

import (
	"archive/tar"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The synthetic root filesystem has the shape of a Debian-like base image
// with a language runtime on top: 1,500 directories up to depth 8, 20,000
// regular files, most of a few KiB (configs, scripts, docs, locales) and a
// few hundred up to 2 MiB (libraries, binaries), about 400 MB in all; a
// merged /usr; symlinks absolute (alternatives, /etc) and relative
// (sonames); a few hardlinks, setuid and setgid programs, daemon-owned
// files and files with user.* xattrs. Nanosecond mtimes make every
// header PAX, as in layers written by this library or by GNU tar --format=pax.
const (
	rootfsSeed      = 20240501
	rootfsDirs      = 1500
	rootfsFiles     = 20000
	rootfsSymlinks  = 600
	rootfsHardlinks = 12
	rootfsXattrs    = 16
	rootfsPool      = 4 << 20 // random bytes that file contents are cut from
)

// rootfsSkeleton are the top directories; "tmp" stays empty.
var rootfsSkeleton = []string{"etc", "home", "opt", "root", "srv", "tmp", "usr", "var",
	"usr/bin", "usr/include", "usr/lib", "usr/libexec", "usr/sbin", "usr/share",
	"var/cache", "var/lib", "var/log"}

// rootfsDepthShare is the percentage of the other directories at each
// depth: most around usr/share/<pkg>/<x>, a few deep (site-packages).
var rootfsDepthShare = [...]int{2: 6, 3: 22, 4: 28, 5: 20, 6: 12, 7: 8, 8: 4}

var rootfsWords = []string{"doc", "locale", "man", "python3", "perl5", "systemd", "x86_64-linux-gnu",
	"site-packages", "modules", "include", "share", "LC_MESSAGES", "icons", "terminfo", "zoneinfo"}

var rootfsExts = []string{"", ".so", ".conf", ".py", ".gz", ".mo", ".h", ".txt", ".pm", ".json"}

type rootfsPlan struct {
	rng     *rand.Rand
	entries []*tar.Header
	dirs    []string // where files and links go
	files   []string
}

func WriteRootfsTar(path string) error {
	pool := make([]byte, rootfsPool)
	rand.NewChaCha8([32]byte{1}).Read(pool)
	return writeTar(path, func(tw *tar.Writer) error {
		for i, h := range planRootfs() {
			if h.Typeflag == tar.TypeDir {
				h.Name += "/"
			}
			off := i * 4099 % (rootfsPool - int(h.Size)) // no two files alike
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			if _, err := tw.Write(pool[off : off+int(h.Size)]); err != nil {
				return err
			}
		}
		return nil
	})
}

// RootfsContentBytes is the regular file content of the synthetic rootfs.
func RootfsContentBytes() (n int64) {
	for _, h := range planRootfs() {
		if h.Typeflag == tar.TypeReg {
			n += h.Size
		}
	}
	return n
}

// planRootfs returns the entries sorted by name, so a directory comes
// before what it holds and a hardlink ("x.hl") after its target ("x").
func planRootfs() []*tar.Header {
	p := &rootfsPlan{rng: rand.New(rand.NewPCG(rootfsSeed, 0))}
	p.planDirs()
	p.planFiles()
	p.planLinks()
	slices.SortFunc(p.entries, func(a, b *tar.Header) int { return strings.Compare(a.Name, b.Name) })
	return p.entries
}

func (p *rootfsPlan) add(typ byte, name string, mode int64) *tar.Header {
	modTime := time.Unix(1714521600+p.rng.Int64N(3e7), p.rng.Int64N(1e9))
	h := &tar.Header{Typeflag: typ, Name: name, Mode: mode, ModTime: modTime, Format: tar.FormatPAX}
	p.entries = append(p.entries, h)
	return h
}

func (p *rootfsPlan) planDirs() {
	levels := make([][]string, len(rootfsDepthShare))
	modes := map[string]int64{"tmp": 0o1777, "root": 0o700}
	for _, d := range rootfsSkeleton {
		p.add(tar.TypeDir, d, cmp.Or(modes[d], 0o755))
		if d != "tmp" {
			depth := strings.Count(d, "/") + 1
			levels[depth] = append(levels[depth], d)
			p.dirs = append(p.dirs, d)
		}
	}
	n := rootfsDirs - len(rootfsSkeleton)
	for i := range n {
		depth, pct := 2, i*100/n
		for sum := rootfsDepthShare[2]; pct >= sum; sum += rootfsDepthShare[depth] {
			depth++
		}
		parents := levels[depth-1]
		name := fmt.Sprintf("%s/%s-%d", parents[p.rng.IntN(len(parents))], rootfsWords[p.rng.IntN(len(rootfsWords))], i)
		p.add(tar.TypeDir, name, 0o755)
		levels[depth] = append(levels[depth], name)
		p.dirs = append(p.dirs, name)
	}
}

func (p *rootfsPlan) planFiles() {
	for _, name := range []string{"usr/bin/su", "usr/bin/passwd", "usr/bin/mount", "usr/bin/sudo"} {
		p.addFile(name, 0o4755)
	}
	p.addFile("usr/bin/chage", 0o2755).Gid = 42 // group shadow
	p.addFile("usr/sbin/unix_chkpwd", 0o2755).Gid = 42
	for i := 6; i < rootfsFiles; i++ {
		mode := int64(0o644)
		if p.rng.IntN(10) == 0 {
			mode = 0o755
		}
		dir := p.dirs[p.rng.IntN(len(p.dirs))]
		h := p.addFile(fmt.Sprintf("%s/f%05d%s", dir, i, rootfsExts[i%len(rootfsExts)]), mode)
		if p.rng.IntN(100) == 0 { // a daemon's state
			h.Uid, h.Gid = 100+p.rng.IntN(10), 100+p.rng.IntN(10)
		}
		if i%(rootfsFiles/rootfsXattrs) == 0 {
			h.PAXRecords = map[string]string{
				"SCHILY.xattr.user.checksum": fmt.Sprintf("%016x", p.rng.Uint64()),
				"SCHILY.xattr.user.origin":   "synthetic",
			}
		}
	}
}

// addFile adds a regular file with a size drawn log-uniformly: 90% of 1-16
// KiB, 8% of 16-64 KiB, 2% of 64 KiB-2 MiB.
func (p *rootfsPlan) addFile(name string, mode int64) *tar.Header {
	lo, hi := 1<<10, 16<<10
	switch r := p.rng.IntN(100); {
	case r >= 98:
		lo, hi = 64<<10, 2<<20
	case r >= 90:
		lo, hi = 16<<10, 64<<10
	}
	size := int(float64(lo) * math.Pow(float64(hi)/float64(lo), p.rng.Float64()))
	h := p.add(tar.TypeReg, name, mode)
	h.Size = int64(size)
	p.files = append(p.files, name)
	return h
}

func (p *rootfsPlan) planLinks() {
	for _, l := range [][2]string{{"bin", "usr/bin"}, {"sbin", "usr/sbin"}, {"lib", "usr/lib"}, {"lib64", "usr/lib"}} {
		p.add(tar.TypeSymlink, l[0], 0o777).Linkname = l[1]
	}
	for i := range rootfsSymlinks {
		dir := p.dirs[p.rng.IntN(len(p.dirs))]
		target := p.files[p.rng.IntN(len(p.files))]
		if i%5 == 0 {
			target = p.dirs[p.rng.IntN(len(p.dirs))]
		}
		link := "/" + target
		if i%5 >= 2 {
			link, _ = filepath.Rel(dir, target)
		}
		p.add(tar.TypeSymlink, fmt.Sprintf("%s/l%04d", dir, i), 0o777).Linkname = link
	}
	for i := range rootfsHardlinks {
		target := p.files[(i*7919+13)%len(p.files)] // distinct: 7919 is prime to 20,000
		p.add(tar.TypeLink, target+".hl", 0o644).Linkname = target
	}
}
