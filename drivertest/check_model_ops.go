package drivertest

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// modelOp is one generated operation: what the failure log shows and
// the step itself.
type modelOp struct {
	desc  string
	apply Applier
	paths []string // the paths it works on, for LossyCopyUp's parent times
}

// modelView is the model's tree as the generator sees it before an
// operation.
type modelView struct {
	tree  Tree
	paths []string // every path but the root
	dirs  []string // directories new entries may go in, the root included
}

// maxModelDepth keeps paths short: no entry is made deeper than this.
const maxModelDepth = 4

func (m *modelRun) view() modelView {
	m.h.t.Helper()
	tree, err := Snapshot(m.dir)
	if err != nil {
		m.h.t.Fatal(err)
	}
	v := modelView{tree: tree}
	for _, p := range tree.Paths() {
		if p != "." {
			v.paths = append(v.paths, p)
		}
		if tree[p].Type == TypeDir && (p == "." || strings.Count(p, "/") < maxModelDepth-1) {
			v.dirs = append(v.dirs, p)
		}
	}
	return v
}

// ofType lists the paths (the root left out) of the given types.
func (v modelView) ofType(types ...FileType) []string {
	var out []string
	for _, p := range v.paths {
		if slices.Contains(types, v.tree[p].Type) {
			out = append(out, p)
		}
	}
	return out
}

// opKinds are the operations the generator draws from, by weight.
var opKinds = []struct {
	weight int
	gen    func(m *modelRun, v modelView) (modelOp, bool)
}{
	{14, (*modelRun).genCreate}, {6, (*modelRun).genOverwrite}, {6, (*modelRun).genAppend},
	{10, (*modelRun).genMkdir}, {6, (*modelRun).genRemove}, {3, (*modelRun).genRemoveAll},
	{8, (*modelRun).genRename}, {5, (*modelRun).genLink}, {5, (*modelRun).genSymlink},
	{5, (*modelRun).genChmod}, {4, (*modelRun).genChtimes}, {4, (*modelRun).genSetXattr},
	{3, (*modelRun).genMkfifo},
}

// draw picks an operation kind by weight and generates one; false when
// the model has no valid target for it.
func (m *modelRun) draw(v modelView) (modelOp, bool) {
	total := 0
	for _, k := range opKinds {
		total += k.weight
	}
	n := m.rnd.IntN(total)
	for _, k := range opKinds {
		if n < k.weight {
			return k.gen(m, v)
		}
		n -= k.weight
	}
	panic("unreachable")
}

func pick[T any](m *modelRun, from []T) T { return from[m.rnd.IntN(len(from))] }

func joinPath(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// newPath is a free path in a random directory: a fresh name, or, one
// time in three, a name used before, so that removed names come back.
func (m *modelRun) newPath(v modelView) string {
	dirs := v.dirs
	if len(m.lossy.sealed) > 0 {
		dirs = nil
		for _, d := range v.dirs {
			if !m.inSealed(d) {
				dirs = append(dirs, d)
			}
		}
	}
	dir := pick(m, dirs) // the root is never sealed
	if len(m.names) > 0 && m.rnd.IntN(3) == 0 {
		if p := joinPath(dir, pick(m, m.names)); !hasPath(v.tree, p) {
			return p
		}
	}
	m.next++
	name := fmt.Sprintf("n%d", m.next)
	m.names = append(m.names, name)
	return joinPath(dir, name)
}

func hasPath(t Tree, p string) bool {
	_, ok := t[p]
	return ok
}

var (
	filePerms = []os.FileMode{0o644, 0o600, 0o755, 0o640 | os.ModeSetuid,
		0o755 | os.ModeSetuid | os.ModeSetgid, 0o644 | os.ModeSticky, 0o664 | os.ModeSetgid}
	dirPerms = []os.FileMode{0o755, 0o700, 0o775, 0o777 | os.ModeSticky,
		0o750 | os.ModeSetgid, 0o755 | os.ModeSetuid}
	fifoPerms = []os.FileMode{0o644, 0o600, 0o666}
)

// content is 0 to 48 random bytes.
func (m *modelRun) content() []byte {
	b := make([]byte, m.rnd.IntN(49))
	for i := range b {
		b[i] = byte('a' + m.rnd.IntN(26))
	}
	return b
}

func (m *modelRun) genCreate(v modelView) (modelOp, bool) {
	p, data, perm := m.newPath(v), m.content(), pick(m, filePerms)
	return modelOp{fmt.Sprintf("create file %s %q %v", p, data, perm),
		CreateFile(p, data, perm), []string{p}}, true
}

func (m *modelRun) genOverwrite(v modelView) (modelOp, bool) {
	files := m.writable(v.ofType(TypeFile))
	if len(files) == 0 {
		return modelOp{}, false
	}
	p, data, perm := pick(m, files), m.content(), pick(m, filePerms)
	return modelOp{fmt.Sprintf("overwrite file %s %q %v", p, data, perm),
		CreateFile(p, data, perm), []string{p}}, true
}

func (m *modelRun) genAppend(v modelView) (modelOp, bool) {
	files := m.writable(v.ofType(TypeFile))
	if len(files) == 0 {
		return modelOp{}, false
	}
	p, data := pick(m, files), m.content()
	return modelOp{fmt.Sprintf("append %s %q", p, data), AppendFile(p, data), []string{p}}, true
}

func (m *modelRun) genMkdir(v modelView) (modelOp, bool) {
	p, perm := m.newPath(v), pick(m, dirPerms)
	return modelOp{fmt.Sprintf("mkdir %s %v", p, perm), CreateDir(p, perm), []string{p}}, true
}

func (m *modelRun) genRemove(v modelView) (modelOp, bool) {
	targets := m.changeable(v.ofType(TypeFile, TypeSymlink, TypeFifo))
	if len(targets) == 0 {
		return modelOp{}, false
	}
	p := pick(m, targets)
	return modelOp{"remove " + p, Remove(p), []string{p}}, true
}

func (m *modelRun) genRemoveAll(v modelView) (modelOp, bool) {
	dirs := m.changeable(v.ofType(TypeDir))
	if len(dirs) == 0 {
		return modelOp{}, false
	}
	p := pick(m, dirs)
	return modelOp{"rm -rf " + p, RemoveAll(p), []string{p}}, true
}

func (m *modelRun) genLink(v modelView) (modelOp, bool) {
	var files []string
	for _, p := range m.writable(v.ofType(TypeFile)) {
		if !m.lossy.files[p] {
			files = append(files, p)
		}
	}
	if len(files) == 0 {
		return modelOp{}, false
	}
	src, dst := pick(m, files), m.newPath(v)
	return modelOp{fmt.Sprintf("link %s to %s", src, dst), Link(src, dst), []string{src, dst}}, true
}

// genSymlink makes a symlink that is relative, absolute or dangling.
func (m *modelRun) genSymlink(v modelView) (modelOp, bool) {
	var target string
	switch m.rnd.IntN(3) {
	case 0:
		target = "../" + pick(m, append(v.paths, "."))
	case 1:
		target = "/" + pick(m, append(v.paths, "etc/passwd"))
	default:
		target = fmt.Sprintf("missing-%d", m.rnd.IntN(100))
	}
	p := m.newPath(v)
	return modelOp{fmt.Sprintf("symlink %s -> %s", p, target), Symlink(target, p), []string{p}}, true
}

func (m *modelRun) genChmod(v modelView) (modelOp, bool) {
	targets := m.writable(v.ofType(TypeFile, TypeDir, TypeFifo))
	if len(targets) == 0 {
		return modelOp{}, false
	}
	p := pick(m, targets)
	perms := map[FileType][]os.FileMode{TypeFile: filePerms, TypeDir: dirPerms, TypeFifo: fifoPerms}[v.tree[p].Type]
	mode := pick(m, perms)
	return modelOp{fmt.Sprintf("chmod %s %v", p, mode), Chmod(p, mode), []string{p}}, true
}

// genChtimes sets a random time before 2017, never a whole second.
func (m *modelRun) genChtimes(v modelView) (modelOp, bool) {
	paths := m.writable(v.paths)
	if len(paths) == 0 {
		return modelOp{}, false
	}
	p := pick(m, paths)
	mtime := time.Unix(1400000000+m.rnd.Int64N(100000000), 1+m.rnd.Int64N(999999999))
	return modelOp{fmt.Sprintf("chtimes %s %s", p, timeString(mtime)), Chtimes(p, mtime, mtime), []string{p}}, true
}

// genSetXattr sets a user.* xattr on a file or directory: the kernel
// refuses user.* on symlinks and special files.
func (m *modelRun) genSetXattr(v modelView) (modelOp, bool) {
	targets := m.writable(v.ofType(TypeFile, TypeDir))
	if !m.xattrs || len(targets) == 0 {
		return modelOp{}, false
	}
	p, key, value := pick(m, targets), fmt.Sprintf("user.k%d", m.rnd.IntN(3)), m.content()
	return modelOp{fmt.Sprintf("setxattr %s %s=%q", p, key, value), SetXattr(p, key, value), []string{p}}, true
}

func (m *modelRun) genMkfifo(v modelView) (modelOp, bool) {
	p, perm := m.newPath(v), pick(m, fifoPerms)
	return modelOp{fmt.Sprintf("mkfifo %s %v", p, perm), Mkfifo(p, perm), []string{p}}, true
}

// sortDeepestFirst orders paths by depth, deepest first, then by name.
func sortDeepestFirst(paths []string) {
	slices.SortFunc(paths, func(a, b string) int {
		if da, db := strings.Count(a, "/"), strings.Count(b, "/"); da != db {
			return db - da
		}
		return strings.Compare(a, b)
	})
}

// lossyLower is what lower layers hold that a backend with declared
// deviations cannot copy up exactly.
type lossyLower struct {
	// frozen: writes to these paths, and renames of them or of
	// directories holding them, are left out (names of lower hardlinks on
	// a backend that splits them; lower symlinks and special files on one
	// whose copy-up is lossy).
	frozen map[string]bool
	// sealed: lower directories with setuid or setgid on a backend whose
	// copy-up is lossy: nothing in them or below is changed.
	sealed map[string]bool
	// dirs: lower directories on a backend whose copy-up is lossy: they
	// are not renamed.
	dirs map[string]bool
	// files: lower regular files on a backend whose copy-up is lossy: no
	// hardlink is made to them.
	files map[string]bool
	// linked: names of lower hardlinks on a backend whose copy-up is
	// lossy: they are not removed or replaced (that copies another name
	// up alone).
	linked map[string]bool
	// parents: on a backend whose copy-up is lossy, the directories above
	// the paths the layer's operations worked on, which copy-up may give
	// a new mtime: the end of the layer sets theirs.
	parents map[string]bool
}

// noteParents records, on a backend whose copy-up is lossy, the
// directories above the paths op works on.
func (m *modelRun) noteParents(op modelOp) {
	if m.h.cfg.lossyCopyUp == "" {
		return
	}
	for _, p := range op.paths {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			m.lossy.parents[d] = true
		}
	}
}

// noteLossy records, on a backend with declared deviations, what the
// layers below the next one made that it cannot copy up exactly.
func (m *modelRun) noteLossy() {
	cfg := m.h.cfg
	m.lossy = lossyLower{frozen: map[string]bool{}, sealed: map[string]bool{}, dirs: map[string]bool{},
		files: map[string]bool{}, linked: map[string]bool{}, parents: map[string]bool{}}
	if cfg.splitsLowerHardlinks == "" && cfg.lossyCopyUp == "" {
		return
	}
	for p, e := range m.view().tree {
		switch {
		case p == ".":
		case cfg.splitsLowerHardlinks != "" && e.LinkGroup != "":
			m.lossy.frozen[p] = true
			m.lossy.linked[p] = cfg.lossyCopyUp != ""
		case cfg.lossyCopyUp == "":
		case e.Type == TypeDir && e.Mode&0o6000 != 0:
			m.lossy.sealed[p] = true
		case e.Type == TypeDir:
			m.lossy.dirs[p] = true
		case e.Type == TypeFile:
			m.lossy.files[p] = true
		default:
			m.lossy.frozen[p] = true
		}
	}
	if n := len(m.lossy.frozen) + len(m.lossy.sealed); n > 0 {
		m.h.t.Logf("leaving out writes to %d lower entries: %s", n,
			strings.Trim(cfg.splitsLowerHardlinks+"; "+cfg.lossyCopyUp, "; "))
	}
}

// writable drops the paths that are, or hold, a frozen lower entry, or
// lie in a sealed directory; elsewhere it returns paths as they are.
func (m *modelRun) writable(paths []string) []string {
	if len(m.lossy.frozen) == 0 && len(m.lossy.sealed) == 0 {
		return paths
	}
	var out []string
	for _, p := range paths {
		if !m.holdsFrozen(p) && !m.inSealed(p) {
			out = append(out, p)
		}
	}
	return out
}

func (m *modelRun) holdsFrozen(p string) bool {
	for l := range m.lossy.frozen {
		if isUnder(l, p) {
			return true
		}
	}
	return false
}

func (m *modelRun) holdsLinked(p string) bool {
	for l, ok := range m.lossy.linked {
		if ok && isUnder(l, p) {
			return true
		}
	}
	return false
}

// inSealed reports whether p is a sealed directory or lies below one.
func (m *modelRun) inSealed(p string) bool {
	for s := range m.lossy.sealed {
		if isUnder(p, s) {
			return true
		}
	}
	return false
}

// changeable drops the paths whose directory is sealed (removing or
// replacing them would copy the directory up) and those that are or hold
// a lower hardlink name a lossy copy-up splits on removal.
func (m *modelRun) changeable(paths []string) []string {
	var out []string
	for _, p := range paths {
		if !m.inSealed(path.Dir(p)) && !m.holdsLinked(p) {
			out = append(out, p)
		}
	}
	return out
}
