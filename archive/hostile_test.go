//go:build linux

package archive

// Hostile layer tars: each case builds a tar that tries to escape the layer
// root, smuggle overlay metadata, exhaust a limit or break the reader, and
// checks that Apply keeps DESIGN.md's promise (“ApplyDiff is the attack
// surface. It never writes outside the layer”): the error wraps
// graphdriver.ErrInvalidLayer and names the entry, nothing outside the
// root changes, and Apply neither panics nor hangs.
//
// This file is longer than STYLE.md's 400 lines because the case tables are
// data, one short literal per attack, grouped per category in functions
// that exceed 40 lines for the same reason.

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	graphdriver "github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/whiteout"
)

// outcome is what a case accepts from Apply.
type outcome int

const (
	// reject: an error wrapping graphdriver.ErrInvalidLayer that names the
	// entry.
	reject outcome = iota
	// corrupt: a truncated or corrupt tar: an error from which the
	// case's cause (io.ErrUnexpectedEOF, tar.ErrHeader) stays reachable,
	// naming the entry when the case has one. Wrapping ErrInvalidLayer
	// too is allowed, not required: a cut stream may be an I/O failure.
	corrupt
	// safe: reject, or success after which check holds. For tars that OCI
	// semantics allow but that a careful applier may still refuse.
	safe
	// accept: success after which check holds.
	accept
)

// privilege says who can run a case.
type privilege int

const (
	anyUser  privilege = iota
	rootOnly           // needs CAP_MKNOD, CAP_CHOWN or trusted.* xattrs
	userOnly           // checks what an unprivileged applier must refuse
)

type hcheck func(t *testing.T, b *hbox)

type hcase struct {
	name  string
	ents  []hent
	raw   func(b *hbox) []byte // instead of ents, for headers archive/tar cannot write
	opts  func(o *ApplyOptions, b *hbox)
	want  outcome
	entry string // the offending entry as the tar names it (expanded)
	cause error  // for corrupt: what errors.Is must find
	check hcheck // after success; for reject, after the refusal
	priv  privilege
}

// hostileLimits are small so that bombs fail fast; the cases that test a
// limit go just past it.
var hostileLimits = Limits{
	MaxEntries: 64, MaxPathDepth: 16, MaxPathBytes: 512,
	MaxHeaderBytes: 8192, MaxBytes: 1 << 20, MaxXattrBytes: 1024,
}

func TestHostile(t *testing.T) {
	groups := map[string][]hcase{
		"path": pathCases(), "symlink": symlinkCases(), "hardlink": hardlinkCases(),
		"whiteout": whiteoutCases(), "xattr": xattrCases(), "device": deviceCases(),
		"limit": limitCases(), "malformed": malformedCases(), "owner": ownerCases(),
		"lower": lowerCases(),
	}
	for group, cases := range groups {
		t.Run(group, func(t *testing.T) {
			t.Parallel()
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					runHostile(t, c)
				})
			}
		})
	}
}

func runHostile(t *testing.T, c hcase) {
	switch {
	case c.priv == rootOnly && os.Geteuid() != 0:
		t.Skip("needs root: the case exercises CAP_MKNOD, CAP_CHOWN or trusted.* xattrs")
	case c.priv == userOnly && os.Geteuid() == 0:
		t.Skip("checks an unprivileged applier; root may create what it refuses")
	}
	b := newHbox(t)
	var data []byte
	if c.raw != nil {
		data = c.raw(b)
	} else {
		data = b.tarOf(t, c.ents)
	}
	opts := hostileOpts()
	if c.opts != nil {
		c.opts(opts, b)
	}
	before := b.snapshot(t)
	_, err := applyGuarded(t, b.root, bytes.NewReader(data), opts)
	b.checkOutside(t, before)
	b.checkLowerAsked(t)
	judge(t, b, c, err)
}

// hostileOpts are the options of every case before its own changes: as a
// normal user, chown to the tar's owners cannot work and is not the point.
func hostileOpts() *ApplyOptions {
	return &ApplyOptions{Whiteouts: whiteout.AUFS, Limits: hostileLimits, IgnoreChownErrors: os.Geteuid() != 0}
}

// applyGuarded runs Apply, turning a panic or a run longer than 20 s into a
// test failure (a hang guard, not a timing assertion).
func applyGuarded(t *testing.T, root string, r io.Reader, opts *ApplyOptions) (int64, error) {
	t.Helper()
	type result struct {
		n     int64
		err   error
		panic string
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{panic: fmt.Sprintf("%v\n%s", p, debug.Stack())}
			}
		}()
		n, err := Apply(root, r, opts)
		done <- result{n: n, err: err}
	}()
	select {
	case res := <-done:
		if res.panic != "" {
			t.Fatalf("Apply panicked: %s", res.panic)
		}
		return res.n, res.err
	case <-time.After(20 * time.Second):
		t.Fatal("Apply did not return within 20 s")
	}
	return 0, nil
}

func judge(t *testing.T, b *hbox, c hcase, err error) {
	t.Helper()
	entry := b.expand(c.entry)
	switch {
	case c.want == accept && err != nil:
		t.Fatalf("Apply: %v; want success", err)
	case c.want == reject || c.want == safe && err != nil:
		wantRejected(t, err, entry)
		if c.want == reject && c.check != nil {
			c.check(t, b) // what a refused tar may leave behind
		}
		return
	case c.want == corrupt:
		wantCorrupt(t, err, c.cause, entry)
		return
	}
	if c.want == safe {
		t.Logf("accepted (allowed): checking that it landed inside the root")
	}
	if c.check != nil {
		c.check(t, b)
	}
}

func wantRejected(t *testing.T, err error, entry string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("Apply succeeded; want an error wrapping ErrInvalidLayer naming %q", entry)
	case !errors.Is(err, graphdriver.ErrInvalidLayer):
		t.Errorf("Apply: %v; want an error wrapping ErrInvalidLayer", err)
	}
	if !mentions(err.Error(), entry) {
		t.Errorf("Apply: %v; want the error to name the entry %q", err, entry)
	}
}

func wantCorrupt(t *testing.T, err, cause error, entry string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatal("Apply succeeded on a corrupt tar")
	case !errors.Is(err, cause):
		t.Errorf("Apply: %v; want %v reachable with errors.Is", err, cause)
	case entry != "" && !mentions(err.Error(), entry):
		t.Errorf("Apply: %v; want the error to name the entry %q", err, entry)
	}
}

// mentions reports whether msg names entry as is or as %q would quote it
// (names with NULs, newlines or invalid UTF-8 are best printed quoted).
func mentions(msg, entry string) bool {
	q := strconv.Quote(entry)
	return strings.Contains(msg, entry) || strings.Contains(msg, q[1:len(q)-1])
}

// Success checks.

func allOf(checks ...hcheck) hcheck {
	return func(t *testing.T, b *hbox) {
		t.Helper()
		for _, c := range checks {
			c(t, b)
		}
	}
}

func wantFile(name, body string) hcheck {
	return func(t *testing.T, b *hbox) {
		t.Helper()
		data, err := os.ReadFile(b.in(name))
		if fi, lerr := os.Lstat(b.in(name)); err != nil || lerr != nil || !fi.Mode().IsRegular() {
			t.Fatalf("want a regular file %s inside the root: %v %v", name, err, lerr)
		}
		if string(data) != body {
			t.Errorf("%s holds %q; want %q", name, data, body)
		}
	}
}

func wantType(name string, typ fs.FileMode) hcheck {
	return func(t *testing.T, b *hbox) {
		t.Helper()
		fi, err := os.Lstat(b.in(name))
		must(t, err)
		if fi.Mode().Type() != typ {
			t.Errorf("%s is %v; want type %v", name, fi.Mode(), typ)
		}
	}
}

func wantSymlink(name, target string) hcheck {
	return func(t *testing.T, b *hbox) {
		t.Helper()
		got, err := os.Readlink(b.in(name))
		must(t, err)
		if got != b.expand(target) {
			t.Errorf("%s -> %s; want -> %s", name, got, b.expand(target))
		}
	}
}

func wantMode(name string, mode fs.FileMode) hcheck {
	return func(t *testing.T, b *hbox) {
		t.Helper()
		fi, err := os.Lstat(b.in(name))
		must(t, err)
		if got := fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky); got != mode {
			t.Errorf("%s has mode %v; want %v", name, got, mode)
		}
	}
}

func wantOwner(name string, uid, gid uint32) hcheck {
	return func(t *testing.T, b *hbox) {
		t.Helper()
		if u, g := statOwner(t, b.in(name)); u != uid || g != gid {
			t.Errorf("%s is owned by %d:%d; want %d:%d", name, u, g, uid, gid)
		}
	}
}

// wantRootNames: the root holds exactly these top-level names.
func wantRootNames(names ...string) hcheck {
	return func(t *testing.T, b *hbox) {
		t.Helper()
		des, err := os.ReadDir(b.root)
		must(t, err)
		var got []string
		for _, de := range des {
			got = append(got, de.Name())
		}
		if strings.Join(got, ",") != strings.Join(names, ",") {
			t.Errorf("root holds %q; want %q", got, names)
		}
	}
}

// entriesAtMost: a bomb stopped at the limit leaves at most n entries.
func entriesAtMost(n int) hcheck {
	return func(t *testing.T, b *hbox) {
		t.Helper()
		des, err := os.ReadDir(b.root)
		must(t, err)
		if len(des) > n {
			t.Errorf("root holds %d entries; the limit is %d", len(des), n)
		}
	}
}

// Builders of many entries.

func manyDirs(n int) []hent {
	ents := make([]hent, n)
	for i := range ents {
		ents[i] = hDir(fmt.Sprintf("d%04d", i))
	}
	return ents
}

func manyFiles(n int) []hent {
	ents := make([]hent, n)
	for i := range ents {
		ents[i] = hReg(fmt.Sprintf("f%04d", i), "x")
	}
	return ents
}

func manyXattrs(e hent, n int) hent {
	for i := range n {
		e = e.xattr(fmt.Sprintf("user.x%04d", i), "0123456789abcdef")
	}
	return e
}

func deepName(depth int) string {
	return strings.Repeat("d/", depth-1) + "f"
}

// statOwner returns the owner of p (not following a symlink).
func statOwner(t *testing.T, p string) (uid, gid uint32) {
	t.Helper()
	fi, err := os.Lstat(p)
	must(t, err)
	st := fi.Sys().(*syscall.Stat_t)
	return st.Uid, st.Gid
}

// pathCases: names that leave the root, or cannot name an entry in it.
func pathCases() []hcase {
	return []hcase{
		// CVE-2014-6407, CVE-2014-9356: `..` escapes are rejected
		// (DESIGN.md), never cleaned into the root silently.
		{name: "dotdot", ents: []hent{hReg("../$T", "x")}, want: reject, entry: "../$T"},
		{name: "inner dotdot escape", ents: []hent{hReg("a/../../$T", "x")}, want: reject, entry: "a/../../$T"},
		{name: "dot then dotdot", ents: []hent{hReg("./../$T", "x")}, want: reject, entry: "./../$T"},
		{name: "deep dotdot", ents: []hent{hReg("a/b/../../../$T", "x")}, want: reject, entry: "a/b/../../../$T"},
		{name: "dotdot to fs root", ents: []hent{hReg(strings.Repeat("../", 40)+"$T", "x")},
			want: reject, entry: strings.Repeat("../", 40) + "$T"},
		{name: "dotdot dir", ents: []hent{hDir("..")}, want: reject, entry: ".."},
		// An absolute name is stripped of its '/' (DESIGN.md), so /../x is
		// either refused or the root's x: both stay inside.
		{name: "absolute dotdot", ents: []hent{hReg("/../$T", "x")}, want: safe, entry: "/../$T",
			check: wantFile("$T", "x")},
		// An absolute name aimed at a host dir lands under the root.
		{name: "absolute host path", ents: []hent{hReg("$H/$T", "x")}, want: accept,
			check: wantFile("$H/$T", "x")},
		// `..` that stays inside may be cleaned or refused.
		{name: "dotdot inside", ents: []hent{hReg("a/../b", "x")}, want: safe, entry: "a/../b",
			check: wantFile("b", "x")},
		// An empty name would be the root itself.
		{name: "empty name", ents: []hent{hReg("", "x")}, want: reject, entry: ""},
		{name: "dot as file", ents: []hent{hReg(".", "x")}, want: reject, entry: "."},
		{name: "slash as file", raw: func(*hbox) []byte {
			return join(ustarBlock("/", tar.TypeReg, 1, nil), padded("x"), endBlocks())
		}, want: reject, entry: "/"},
		// The root's own directory entry is legitimate (tars made with
		// `tar -C dir .` start with it); the root stays a directory.
		{name: "dot as dir", ents: []hent{hDir("."), hReg("f", "x")}, want: accept,
			check: allOf(wantType(".", fs.ModeDir), wantFile("f", "x"))},
		{name: "slash as dir", ents: []hent{hDir("/"), hReg("f", "x")}, want: accept,
			check: allOf(wantType(".", fs.ModeDir), wantFile("f", "x"))},
		// Backslashes are not separators on Linux: one plain name.
		{name: "backslashes", ents: []hent{hReg(`..\..\$T`, "x")}, want: accept, check: wantFile(`..\..\$T`, "x")},
		// Unicode look-alikes of dots and slashes are plain names.
		{name: "unicode two dot leader", ents: []hent{hReg("\u2025/$T", "x")}, want: accept,
			check: wantFile("\u2025/$T", "x")},
		{name: "unicode fullwidth", ents: []hent{hReg("\uff0e\uff0e\uff0f$T", "x")}, want: accept,
			check: wantFile("\uff0e\uff0e\uff0f$T", "x")},
		{name: "unicode names", ents: []hent{hReg("ünïcödé/文件\u202e.txt", "x")}, want: accept,
			check: wantFile("ünïcödé/文件\u202e.txt", "x")},
		// Invalid UTF-8 is a valid Linux name; refusing it is safe too.
		{name: "invalid utf8", ents: []hent{hReg("\xff\xfe/x", "x")}, want: safe, entry: "\xff\xfe/x",
			check: wantFile("\xff\xfe/x", "x")},
		{name: "too long name", ents: []hent{hReg(strings.Repeat("n", 600), "x")}, want: reject,
			entry: strings.Repeat("n", 600)},
		{name: "too deep", ents: []hent{hReg(deepName(20), "x")}, want: reject, entry: deepName(20)},
		// archive/tar cuts a GNU long name at its NUL: what is left ("a")
		// is a plain name.
		{name: "nul in gnu long name", raw: nulLongName, want: safe, entry: "a", check: wantFile("a", "x")},
		// archive/tar refuses a NUL in a PAX path: a format error.
		{name: "nul in pax path", raw: nulPAXPath, want: corrupt, cause: tar.ErrHeader},
		// The parent is a symlink created by the same entry's sibling name
		// with `..`: refused before anything is made.
		{name: "dotdot symlink name", ents: []hent{hSym("../s", "$V")}, want: reject, entry: "../s"},
	}
}

func nulLongName(b *hbox) []byte {
	name := "a\x00/../../" + b.token
	return join(ustarBlock("././@LongLink", 'L', int64(len(name)), nil), padded(name),
		ustarBlock("placeholder", tar.TypeReg, 1, nil), padded("x"), endBlocks())
}

func nulPAXPath(b *hbox) []byte {
	return join(paxBlocks([2]string{"path", "a\x00/../../" + b.token}),
		ustarBlock("placeholder", tar.TypeReg, 1, nil), padded("x"), endBlocks())
}

// symlinkCases: symlinks that try to make a later entry, or a metadata
// call, act outside the root (CVE-2014-9356, CVE-2018-15664,
// CVE-2021-32760, CVE-2025-47290). Absolute and relative escaping symlinks
// are legitimate (PITFALLS.md: `var/run -> /run`); they must resolve
// inside the root (openat2 RESOLVE_IN_ROOT), so writing through them is
// either refused or lands under the root.
func symlinkCases() []hcase {
	return []hcase{
		{name: "legit var run", ents: []hent{hDir("var"), hSym("var/run", "/run"), hReg("var/run/$T", "x")},
			want: safe, entry: "var/run/$T", check: allOf(wantFile("run/$T", "x"), wantSymlink("var/run", "/run"))},
		// With the symlink's target made inside the root first, writing
		// through it must succeed and land there: the in-root resolution
		// PITFALLS.md asks for, where a host-following applier would
		// overwrite the victim.
		{name: "legit var run with target", ents: []hent{hDir("run"), hDir("var"), hSym("var/run", "/run"), hReg("var/run/$T", "x")},
			want: accept, check: allOf(wantFile("run/$T", "x"), wantSymlink("var/run", "/run"))},
		{name: "absolute to victim made inside", ents: []hent{hDir("$V"), hSym("a", "$V"), hReg("a/secret", "pwned")},
			want: accept, check: wantFile("$V/secret", "pwned")},
		{name: "relative escape made inside", ents: []hent{hDir("victim"), hSym("a", "../victim"), hReg("a/secret", "pwned")},
			want: accept, check: wantFile("victim/secret", "pwned")},
		{name: "absolute to victim then existing file", ents: []hent{hSym("a", "$V"), hReg("a/secret", "pwned")},
			want: safe, entry: "a/secret", check: wantFile("$V/secret", "pwned")},
		{name: "absolute to victim then new file", ents: []hent{hSym("a", "$V"), hReg("a/newfile", "pwned")},
			want: safe, entry: "a/newfile", check: wantFile("$V/newfile", "pwned")},
		{name: "absolute to host dir then file", ents: []hent{hSym("a", "$H"), hReg("a/$T", "pwned")},
			want: safe, entry: "a/$T", check: wantFile("$H/$T", "pwned")},
		{name: "relative escape then file", ents: []hent{hSym("a", "../victim"), hReg("a/secret", "pwned")},
			want: safe, entry: "a/secret", check: wantFile("victim/secret", "pwned")},
		{name: "relative deep escape then file", ents: []hent{hSym("a", strings.Repeat("../", 30)), hReg("a/$T", "pwned")},
			want: safe, entry: "a/$T", check: wantFile("$T", "pwned")},
		{name: "relative escape then dirs", ents: []hent{hSym("a", "../victim"), hDir("a/sub/deeper")},
			want: safe, entry: "a/sub/deeper", check: wantType("victim/sub/deeper", fs.ModeDir)},
		{name: "chain to dotdot", ents: []hent{hSym("a", "b"), hSym("b", "../.."), hReg("a/$T", "pwned")},
			want: safe, entry: "a/$T", check: wantFile("$T", "pwned")},
		{name: "chain to host", ents: []hent{hSym("a", "b"), hSym("b", "$H"), hReg("a/$T", "pwned")},
			want: safe, entry: "a/$T", check: wantFile("$H/$T", "pwned")},
		// A loop cannot be resolved: the entry under it is refused.
		{name: "loop", ents: []hent{hSym("a", "b"), hSym("b", "a"), hReg("a/x", "x")}, want: reject, entry: "a/x"},
		// Duplicates: the last entry wins and replaces the symlink; nothing
		// is created or chmodded through it.
		{name: "dir replaces symlink", ents: []hent{hSym("a", "$V"), hDir("a"), hReg("a/x", "x")}, want: accept,
			check: allOf(wantType("a", fs.ModeDir), wantFile("a/x", "x"))},
		{name: "dir 0777 replaces symlink", ents: []hent{hSym("a", "$V"), hDir("a").mode(0o777)}, want: accept,
			check: wantType("a", fs.ModeDir)},
		{name: "file replaces symlink", ents: []hent{hSym("s", "$V/secret"), hReg("s", "pwned")}, want: accept,
			check: wantFile("s", "pwned")},
		{name: "fifo replaces symlink", ents: []hent{hSym("s", "$V/secret"), hNode("s", tar.TypeFifo, 0, 0)},
			want: accept, check: wantType("s", fs.ModeNamedPipe)},
		// CVE-2021-32760: containerd chmodded the target of a symlink.
		{name: "chmod symlink entry", ents: []hent{hSym("s", "$V/secret").mode(0o4777)}, want: accept,
			check: wantSymlink("s", "$V/secret")},
		{name: "chmod duplicate symlink", ents: []hent{hSym("s", "$V/secret"), hSym("s", "$V/secret").mode(0o777)},
			want: accept, check: wantSymlink("s", "$V/secret")},
		{name: "chmod dir symlink", ents: []hent{hSym("s", "$V"), hSym("s", "$V").mode(0o777)},
			want: accept, check: wantSymlink("s", "$V")},
		{name: "dir 0777 replaces file symlink", ents: []hent{hSym("s", "$V/secret"), hDir("s").mode(0o777)},
			want: accept, check: wantType("s", fs.ModeDir)},
		// Owner, times and xattrs of a symlink entry go to the link, never
		// to its target (lchown, utimensat AT_SYMLINK_NOFOLLOW, lsetxattr).
		{name: "chown symlink entry", ents: []hent{hSym("s", "$V/secret").owner(4242, 4242)}, want: accept,
			check: wantSymlink("s", "$V/secret")},
		{name: "utimes symlink entry", ents: []hent{hSym("s", "$V/secret").mtime(time.Unix(1e9, 0))},
			want: accept, check: wantSymlink("s", "$V/secret")},
		// Linux refuses user.* xattrs on symlinks: refusing the entry is
		// fine; setting it on the target is not.
		{name: "xattr symlink entry", ents: []hent{hSym("s", "$V/secret").xattr("user.pwned", "1")},
			want: safe, entry: "s", check: wantSymlink("s", "$V/secret")},
		// The root itself cannot be replaced.
		{name: "dot as symlink", ents: []hent{hSym(".", "$V")}, want: reject, entry: "."},
		{name: "dot slash as symlink", ents: []hent{hSym("./", "$V")}, want: reject, entry: "./"},
		{name: "slash as symlink", ents: []hent{hSym("/", "$V")}, want: reject, entry: "/"},
		// CVE-2025-47290, CVE-2018-15664: a path checked (or made) once and
		// swapped for a symlink later must be resolved again.
		{name: "dir swapped for symlink", ents: []hent{hDir("a"), hReg("a/x", "x"), hSym("a", "$V"), hReg("a/y", "pwned")},
			want: safe, entry: "a/y", check: wantFile("$V/y", "pwned")},
		{name: "dir swapped for relative symlink", ents: []hent{hDir("a"), hSym("a", "../victim"), hReg("a/secret", "pwned")},
			want: safe, entry: "a/secret", check: wantFile("victim/secret", "pwned")},
		{name: "hardlink made through symlink", ents: []hent{hReg("f", "x"), hSym("a", "$V"), hLink("a/h", "f")},
			want: safe, entry: "a/h", check: wantFile("$V/h", "x")},
		{name: "fifo through symlink parent", ents: []hent{hSym("a", "$V"), hNode("a/secret", tar.TypeFifo, 0, 0)},
			want: safe, entry: "a/secret", check: wantType("$V/secret", fs.ModeNamedPipe)},
	}
}

// hardlinkCases: link targets are layer paths; a link never reaches a host
// file (CVE-2014-6407). With Lower nil, a target this tar did not create is
// refused.
func hardlinkCases() []hcase {
	return []hcase{
		{name: "relative escape", ents: []hent{hLink("h", "../victim/secret")}, want: reject, entry: "h"},
		{name: "deep relative escape", ents: []hent{hLink("h", strings.Repeat("../", 30)+"$V/secret")}, want: reject, entry: "h"},
		{name: "absolute victim", ents: []hent{hLink("h", "$V/secret")}, want: reject, entry: "h"},
		{name: "through absolute symlink", ents: []hent{hSym("s", "$V"), hLink("h", "s/secret")}, want: reject, entry: "h"},
		{name: "through relative symlink", ents: []hent{hSym("s", "../victim"), hLink("h", "s/secret")}, want: reject, entry: "h"},
		// A link to a symlink is a second symlink (link(2) does not follow);
		// it must never become a link to the symlink's target.
		{name: "to symlink", ents: []hent{hSym("s", "$V/secret"), hLink("h", "s")}, want: safe, entry: "h",
			check: wantSymlink("h", "$V/secret")},
		// An absolute link target is a layer path, like an absolute name.
		{name: "absolute target inside", ents: []hent{hReg("f", "x"), hLink("h", "/f")}, want: safe, entry: "h",
			check: wantFile("h", "x")},
		{name: "to dir", ents: []hent{hDir("d"), hLink("h", "d")}, want: reject, entry: "h"},
		{name: "to root", ents: []hent{hLink("h", ".")}, want: reject, entry: "h"},
		{name: "empty target", ents: []hent{hLink("h", "")}, want: reject, entry: "h"},
		{name: "to self", ents: []hent{hLink("h", "h")}, want: reject, entry: "h"},
		// Replacing a file by a link to itself must not lose it silently.
		{name: "existing to self", ents: []hent{hReg("f", "x"), hLink("f", "f")}, want: safe, entry: "f",
			check: wantFile("f", "x")},
		{name: "to later entry", ents: []hent{hLink("h", "later"), hReg("later", "x")}, want: reject, entry: "h"},
		// A whiteout is not a file of the layer (whiteout.ConvertTar).
		{name: "to whiteout", ents: []hent{hReg(".wh.x", ""), hLink("h", ".wh.x")}, want: reject, entry: "h"},
		// aufs makes whiteouts as hardlinks, so a link named .wh.x is a
		// whiteout of x; its target must not be followed out of the root.
		{name: "whiteout named link escaping", ents: []hent{hLink(".wh.secret", "../victim/secret")},
			want: safe, entry: ".wh.secret"},
		{name: "dotdot link name", ents: []hent{hReg("f", "x"), hLink("../$T", "f")}, want: reject, entry: "../$T"},
	}
}

// whiteoutCases: whiteout names must be a single plain name
// (whiteout.Target); markers must be empty regular files; a whiteout
// never acts through a symlinked parent.
func whiteoutCases() []hcase {
	overlay := func(o *ApplyOptions, _ *hbox) { o.Whiteouts = whiteout.Overlay }
	return []hcase{
		{name: "empty target", ents: []hent{hReg(".wh.", "")}, want: reject, entry: ".wh."},
		{name: "dot target", ents: []hent{hReg(".wh..", "")}, want: reject, entry: ".wh.."},
		{name: "dotdot target", ents: []hent{hReg(".wh...", "")}, want: reject, entry: ".wh..."},
		{name: "dotdot target in dir", ents: []hent{hDir("a"), hReg("a/.wh...", "")}, want: reject, entry: "a/.wh..."},
		{name: "under whiteout-named dir", ents: []hent{hReg(".wh../x", "")}, want: reject, entry: ".wh../x"},
		{name: "reserved prefix", ents: []hent{hReg(".wh..wh.x", "")}, want: reject, entry: ".wh..wh.x"},
		{name: "dotdot whiteout as dir", ents: []hent{hReg("a/.wh.../b", "")}, want: reject, entry: "a/.wh.../b"},
		{name: "whiteout as dir", ents: []hent{hDir(".wh.x")}, want: reject, entry: ".wh.x"},
		{name: "whiteout as symlink", ents: []hent{hSym(".wh.x", "$V")}, want: reject, entry: ".wh.x"},
		{name: "whiteout as fifo", ents: []hent{hNode(".wh.x", tar.TypeFifo, 0, 0)}, want: reject, entry: ".wh.x"},
		{name: "opaque marker as dir", ents: []hent{hDir(".wh..wh..opq")}, want: reject, entry: ".wh..wh..opq"},
		{name: "opaque marker as symlink", ents: []hent{hDir("d"), hSym("d/.wh..wh..opq", "$V")},
			want: reject, entry: "d/.wh..wh..opq"},
		// A whiteout carries no data: refused, or kept as the canonical
		// empty marker.
		{name: "whiteout with body", ents: []hent{hReg(".wh.x", "payload")}, want: safe, entry: ".wh.x",
			check: wantAbsentOrEmpty(".wh.x")},
		{name: "opaque marker with body", ents: []hent{hDir("d"), hReg("d/.wh..wh..opq", "payload")}, want: safe,
			entry: "d/.wh..wh..opq", check: wantAbsentOrEmpty("d/.wh..wh..opq")},
		// AUFS metadata belongs at the root only (whiteout.ConvertTar).
		{name: "aufs meta below root", ents: []hent{hDir("d"), hReg("d/.wh..wh.plnk/x", "")}, want: safe,
			entry: "d/.wh..wh.plnk/x"},
		// CVE-2014-9356 family: a whiteout or marker under a symlink must
		// not delete or clear the symlink's target.
		{name: "whiteout through symlink", ents: []hent{hSym("a", "$V"), hReg("a/.wh.secret", "")},
			want: safe, entry: "a/.wh.secret"},
		{name: "opaque through symlink", ents: []hent{hSym("a", "$V"), hReg("a/.wh..wh..opq", "")},
			want: safe, entry: "a/.wh..wh..opq"},
		{name: "whiteout through relative symlink", ents: []hent{hSym("a", "../victim"), hReg("a/.wh.secret", "")},
			want: safe, entry: "a/.wh.secret"},
		{name: "overlay whiteout through symlink", ents: []hent{hSym("a", "$V"), hReg("a/.wh.secret", "")},
			opts: overlay, want: safe, entry: "a/.wh.secret", priv: rootOnly},
		{name: "overlay opaque through symlink", ents: []hent{hSym("a", "$V"), hReg("a/.wh..wh..opq", "")},
			opts: overlay, want: safe, entry: "a/.wh..wh..opq", priv: rootOnly},
		// moby PR#17819: a marker after the dir's new children must not
		// delete them.
		{name: "late opaque keeps own children", ents: []hent{hDir("d"), hReg("d/x", "x"), hReg("d/.wh..wh..opq", "")},
			want: accept, check: wantFile("d/x", "x")},
	}
}

func wantAbsentOrEmpty(name string) hcheck {
	return func(t *testing.T, b *hbox) {
		t.Helper()
		data, err := os.ReadFile(b.in(name))
		if err == nil && len(data) != 0 {
			t.Errorf("%s holds %q; a whiteout marker must be empty", name, data)
		}
	}
}

// xattrCases: overlay-internal xattrs are never taken from a tar
// (PITFALLS.md, layer tars; DESIGN.md: rejected), whatever the record form
// or the whiteout form; xattr sizes are capped.
func xattrCases() []hcase {
	dir := func(key, val string) []hent { return []hent{hDir("d").xattr(key, val), hReg("d/x", "x")} }
	lib := func(key, val string) []hent {
		return []hent{hDir("d").pax("LIBARCHIVE.xattr."+key, val), hReg("d/x", "x")}
	}
	overlay := func(o *ApplyOptions, _ *hbox) { o.Whiteouts = whiteout.Overlay }
	return []hcase{
		{name: "trusted opaque", ents: dir("trusted.overlay.opaque", "y"), want: reject, entry: "d"},
		{name: "trusted opaque in overlay form", ents: dir("trusted.overlay.opaque", "y"), opts: overlay,
			want: reject, entry: "d"},
		{name: "trusted redirect", ents: dir("trusted.overlay.redirect", "$V"), want: reject, entry: "d"},
		{name: "user opaque in userxattr form", ents: dir("user.overlay.opaque", "y"), want: reject, entry: "d",
			opts: func(o *ApplyOptions, _ *hbox) { o.Whiteouts = whiteout.OverlayUserXattr }},
		{name: "libarchive origin", ents: lib("trusted.overlay.origin", "AAECAwQ="), want: reject, entry: "d"},
		// bsdtar URL-escapes xattr names: the escaped form is the same key.
		{name: "libarchive escaped opaque", ents: lib("trusted%2Eoverlay%2Eopaque", "eQ"), want: reject, entry: "d"},
		{name: "on a file", ents: []hent{hReg("f", "x").xattr("trusted.overlay.metacopy", "")}, want: reject, entry: "f"},
		{name: "huge value", ents: []hent{hReg("f", "x").xattr("user.big", strings.Repeat("v", 2000))},
			want: reject, entry: "f"},
		{name: "many xattrs", ents: []hent{manyXattrs(hReg("f", "x"), 300)}, want: reject, entry: "f"},
	}
}

// deviceCases: a char device 0/0 is an overlay whiteout in disguise; other
// devices need privilege and are refused without it or with NoDevices.
func deviceCases() []hcase {
	noDev := func(o *ApplyOptions, _ *hbox) { o.NoDevices = true }
	return []hcase{
		{name: "char 0/0 in overlay form", ents: []hent{hNode("x", tar.TypeChar, 0, 0)}, want: reject, entry: "x",
			opts: func(o *ApplyOptions, _ *hbox) { o.Whiteouts = whiteout.Overlay }},
		{name: "char 0/0 in userxattr form", ents: []hent{hNode("x", tar.TypeChar, 0, 0)}, want: reject, entry: "x",
			opts: func(o *ApplyOptions, _ *hbox) { o.Whiteouts = whiteout.OverlayUserXattr }},
		{name: "char 0/0 with NoDevices", ents: []hent{hNode("x", tar.TypeChar, 0, 0)}, want: reject, entry: "x", opts: noDev},
		{name: "char device with NoDevices", ents: []hent{hNode("null", tar.TypeChar, 1, 3)}, want: reject, entry: "null",
			opts: noDev},
		{name: "block device with NoDevices", ents: []hent{hNode("sda", tar.TypeBlock, 8, 0)}, want: reject, entry: "sda",
			opts: noDev},
		{name: "char device unprivileged", ents: []hent{hNode("null", tar.TypeChar, 1, 3)}, want: reject, entry: "null",
			priv: userOnly},
		{name: "block device unprivileged", ents: []hent{hNode("sda", tar.TypeBlock, 8, 0)}, want: reject, entry: "sda",
			priv: userOnly},
		// A device made through a symlinked parent lands under the root.
		{name: "char device through symlink", ents: []hent{hSym("a", "$V"), hNode("a/secret", tar.TypeChar, 1, 3)},
			want: safe, entry: "a/secret", priv: rootOnly, check: wantType("$V/secret", fs.ModeDevice|fs.ModeCharDevice)},
	}
}

// limitCases: every limit of Limits stops a bomb at its first excess entry.
func limitCases() []hcase {
	big := strings.Repeat("b", 1<<20)
	return []hcase{
		{name: "entries at limit", ents: manyFiles(64), want: accept, check: wantFile("f0063", "x")},
		{name: "entries over limit", ents: manyFiles(65), want: reject, entry: "f0064"},
		// A tar bomb of empty dirs: no content, only entries; it stops at
		// the limit.
		{name: "dir bomb", ents: manyDirs(5000), want: reject, entry: "d0064", check: entriesAtMost(64)},
		{name: "bytes at limit", ents: []hent{hReg("f", big)}, want: accept, check: wantFile("f", big)},
		{name: "bytes over limit", ents: []hent{hReg("f", big+"!")}, want: reject, entry: "f"},
		{name: "bytes over limit in sum", ents: []hent{hReg("a", big[:600<<10]), hReg("b", big[:600<<10])},
			want: reject, entry: "b"},
		// A sparse file's holes count at their expanded size: 64 MiB of
		// holes behind 4 bytes of data.
		{name: "sparse expands past limit", raw: sparseBomb, want: reject, entry: "sparse"},
		// A header that claims 4 GiB and holds 5 bytes: over MaxBytes it is
		// refused at the header; with no limit the body ends too soon.
		{name: "huge size short body", raw: hugeShortBody, want: reject, entry: "huge"},
		{name: "huge size short body unlimited", raw: hugeShortBody, want: corrupt, cause: io.ErrUnexpectedEOF,
			entry: "huge", opts: func(o *ApplyOptions, _ *hbox) { o.Limits.MaxBytes = -1 }},
		{name: "pax header too big", ents: []hent{hReg("f", "x").pax("comment", strings.Repeat("c", 16<<10))},
			want: reject, entry: "f"},
		{name: "gnu long name too long", ents: []hent{hReg(strings.Repeat("g", 600), "x").format(tar.FormatGNU)},
			want: reject, entry: strings.Repeat("g", 600)},
		{name: "long symlink target", ents: []hent{hSym("s", strings.Repeat("t/", 400))}, want: safe, entry: "s",
			check: wantSymlink("s", strings.Repeat("t/", 400))},
	}
}

func sparseBomb(b *hbox) []byte {
	return join(paxBlocks(
		[2]string{"GNU.sparse.major", "0"}, [2]string{"GNU.sparse.minor", "1"},
		[2]string{"GNU.sparse.name", "sparse"}, [2]string{"GNU.sparse.size", strconv.Itoa(64 << 20)},
		[2]string{"GNU.sparse.numblocks", "1"}, [2]string{"GNU.sparse.map", strconv.Itoa(64<<20-4) + ",4"},
	), ustarBlock("GNUSparseFile.0/sparse", tar.TypeReg, 4, nil), padded("tail"), endBlocks())
}

func hugeShortBody(b *hbox) []byte {
	return join(ustarBlock("huge", tar.TypeReg, 1<<32, nil), padded("short"))
}

// malformedCases: tars the reader cannot parse, and headers with values no
// file can have.
func malformedCases() []hcase {
	return []hcase{
		{name: "truncated mid header", raw: truncated(512 + 512 + 300), want: corrupt, cause: io.ErrUnexpectedEOF},
		{name: "truncated mid body", raw: truncated(512 + 5), want: corrupt, cause: io.ErrUnexpectedEOF, entry: "a"},
		{name: "bad checksum", raw: badChecksum, want: corrupt, cause: tar.ErrHeader},
		{name: "negative size", raw: negativeSize, want: corrupt, cause: tar.ErrHeader},
		{name: "negative pax size", raw: func(*hbox) []byte {
			return join(paxBlocks([2]string{"size", "-1"}), ustarBlock("f", tar.TypeReg, 0, nil), endBlocks())
		}, want: corrupt, cause: tar.ErrHeader},
		{name: "garbage", raw: func(*hbox) []byte { return bytes.Repeat([]byte("\xde\xad\xbe\xef"), 1024) }, want: corrupt,
			cause: tar.ErrHeader},
		// A uid of -1 would make chown keep the applier's owner.
		{name: "negative uid", ents: []hent{hReg("f", "x").owner(-1, 0)}, want: reject, entry: "f"},
		{name: "negative gid", ents: []hent{hReg("f", "x").owner(0, -1)}, want: reject, entry: "f"},
		{name: "negative raw uid", raw: negativeRawUID, want: reject, entry: "f"},
		// 2^32 wraps to uid 0 in chown(2): root-owned files from a tar
		// that asked for none.
		{name: "uid wraps to root", ents: []hent{hReg("f", "x").owner(1<<32, 0)}, want: reject, entry: "f"},
		// Unknown types carry no meaning an applier can honour. GNU tar
		// extracts them as regular files, which would stay inside the root;
		// archive documents that it refuses them (checkType), and that is
		// what is checked.
		{name: "unknown typeflag", ents: []hent{{hdr: tar.Header{Typeflag: 'Z', Name: "z", Size: 4, Mode: 0o644}, body: "data"}},
			want: reject, entry: "z"},
		// A global header is not an entry, whatever path it carries.
		{name: "global header with path", ents: []hent{
			{hdr: tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "g", PAXRecords: map[string]string{"path": "../$T"}}},
			hReg("f", "x")}, want: safe, entry: "../$T", check: wantRootNames("f")},
	}
}

// truncated returns a tar of two regular files of 10 bytes cut after n
// bytes.
func truncated(n int) func(*hbox) []byte {
	return func(*hbox) []byte {
		data := join(ustarBlock("a", tar.TypeReg, 10, nil), padded("0123456789"),
			ustarBlock("b", tar.TypeReg, 10, nil), padded("0123456789"), endBlocks())
		return data[:n]
	}
}

func badChecksum(*hbox) []byte {
	blk := ustarBlock("f", tar.TypeReg, 1, nil)
	blk[148]++
	return join(blk, padded("x"), endBlocks())
}

func negativeSize(*hbox) []byte {
	blk := ustarBlock("f", tar.TypeReg, 0, func(blk []byte) { base256(blk[124:136], -512) })
	return join(blk, padded("x"), endBlocks())
}

func negativeRawUID(*hbox) []byte {
	blk := ustarBlock("f", tar.TypeReg, 1, func(blk []byte) { base256(blk[108:116], -1) })
	return join(blk, padded("x"), endBlocks())
}

// ownerCases: owners go through the IDMap; nothing in a tar makes a
// host-root-owned setuid file under a user-namespaced store.
func ownerCases() []hcase {
	userns := func(o *ApplyOptions, _ *hbox) {
		m := []graphdriver.IDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		o.IDMap = graphdriver.IDMap{UIDs: m, GIDs: m}
	}
	return []hcase{
		{name: "setuid root remapped", ents: []hent{hReg("suid", "#!").mode(0o4755).owner(0, 0)}, opts: userns,
			want: accept, priv: rootOnly, check: allOf(wantOwner("suid", 100000, 100000), wantMode("suid", fs.ModeSetuid|0o755))},
		{name: "dir of root remapped", ents: []hent{hDir("d").mode(0o1777).owner(0, 0)}, opts: userns,
			want: accept, priv: rootOnly, check: wantOwner("d", 100000, 100000)},
		{name: "symlink owner remapped", ents: []hent{hSym("s", "$V/secret").owner(0, 0)}, opts: userns,
			want: accept, priv: rootOnly, check: wantOwner("s", 100000, 100000)},
		// An id the map does not cover has no host owner.
		{name: "unmapped uid", ents: []hent{hReg("f", "x").owner(70000, 0)}, opts: userns, want: reject, entry: "f"},
		{name: "unmapped gid", ents: []hent{hReg("f", "x").owner(0, 70000)}, opts: userns, want: reject, entry: "f"},
	}
}

// lowerCases: a hardlink to a path this tar did not create goes to Lower,
// which the driver backs with lower layers; the sandbox's Lower serves
// "lowerfile" and "lowerdir" from base/lower. Apply asks it for clean
// paths only (checkLowerAsked) and copies what it gets: a diff dir cannot
// link() to a lower file (PITFALLS.md), and linking would let the layer
// write the lower file (CVE-2014-6407).
func lowerCases() []hcase {
	lower := func(o *ApplyOptions, b *hbox) { o.Lower = b.lower }
	return []hcase{
		{name: "lower file is copied", ents: []hent{hLink("h", "lowerfile")}, opts: lower, want: accept,
			check: wantFile("h", "lower")},
		{name: "lower file then overwrite", ents: []hent{hLink("h", "lowerfile"), hReg("h", "pwned")}, opts: lower,
			want: accept, check: wantFile("h", "pwned")},
		{name: "lower dir", ents: []hent{hLink("h", "lowerdir")}, opts: lower, want: reject, entry: "h"},
		{name: "lower relative escape", ents: []hent{hLink("h", "../victim/secret")}, opts: lower, want: reject, entry: "h"},
		{name: "lower dotdot inside", ents: []hent{hLink("h", "a/../lowerfile")}, opts: lower, want: safe, entry: "h",
			check: wantFile("h", "lower")},
		{name: "lower absolute victim", ents: []hent{hLink("h", "$V/secret")}, opts: lower, want: reject, entry: "h"},
		{name: "lower through own symlink", ents: []hent{hSym("s", "$V"), hLink("h", "s/secret")}, opts: lower,
			want: reject, entry: "h"},
	}
}

// TestHostileSwapRace: CVE-2018-15664 and CVE-2025-47290 are races: a
// process in the container swaps a directory of the root for a symlink
// between the applier's check and its use. Whatever Apply returns, no file
// may land outside the root. A race found nothing proves little; one that
// lands outside proves a bug.
func TestHostileSwapRace(t *testing.T) {
	for _, target := range []string{"$V", "../victim"} {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			b := newHbox(t)
			ents := []hent{hDir("d")}
			for i := range 300 {
				ents = append(ents, hReg(fmt.Sprintf("d/sub/f%03d", i), "pwned"))
			}
			opts := hostileOpts()
			opts.Limits = DefaultLimits()
			data := b.tarOf(t, ents)
			before := b.snapshot(t)
			stop, swaps := make(chan struct{}), make(chan int)
			go func() { swaps <- swapLoop(b.in("d"), b.expand(target), stop) }()
			_, err := applyGuarded(t, b.root, bytes.NewReader(data), opts)
			close(stop)
			t.Logf("Apply: %v (after %d swaps)", err, <-swaps)
			b.checkOutside(t, before)
		})
	}
}

// swapLoop keeps replacing dir by a symlink to target and back until stop.
func swapLoop(dir, target string, stop <-chan struct{}) (swaps int) {
	aside := dir + ".aside"
	for {
		select {
		case <-stop:
			return swaps
		default:
		}
		if os.Rename(dir, aside) != nil {
			runtime.Gosched()
			continue
		}
		if os.Symlink(target, dir) == nil {
			swaps++
			runtime.Gosched()
			os.Remove(dir)
		}
		os.Rename(aside, dir)
	}
}
