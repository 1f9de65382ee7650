package naive

// File type and permission bits of st_mode, as POSIX numbers them (the
// same on every Unix).
const (
	typeMask  = 0o170000
	typeDir   = 0o040000
	typeReg   = 0o100000
	typeLink  = 0o120000
	typeChar  = 0o020000
	typeBlock = 0o060000
	typeFifo  = 0o010000
	typeSock  = 0o140000
	permMask  = 0o7777 // permissions, setuid, setgid, sticky
)

// node is what one lstat of a directory entry shows.
type node struct {
	name  string
	mode  uint32 // type and permission bits
	uid   uint32
	gid   uint32
	nlink uint64
	size  int64
	mtime timespec
	rdev  uint64
	id    fileID
}

type timespec struct{ sec, nsec int64 }

// fileID names an inode within one tree.
type fileID struct{ dev, ino uint64 }

func (n *node) typ() uint32  { return n.mode & typeMask }
func (n *node) isDir() bool  { return n.typ() == typeDir }
func (n *node) isReg() bool  { return n.typ() == typeReg }
func (n *node) linked() bool { return !n.isDir() && n.nlink > 1 }

// statDiffers reports whether what lstat shows of two entries of one path
// differs (rules 3 and 4): type, permission bits, owner, mtime, and the
// size of a regular file or the numbers of a device. A directory's mtime
// counts too.
func statDiffers(u, l *node) bool {
	if u.typ() != l.typ() || u.mode&permMask != l.mode&permMask ||
		u.uid != l.uid || u.gid != l.gid || u.mtime != l.mtime {
		return true
	}
	switch u.typ() {
	case typeReg:
		return u.size != l.size
	case typeChar, typeBlock:
		return u.rdev != l.rdev
	}
	return false
}

// needsContent reports whether two regular files that lstat shows as equal
// may still differ in content: a filesystem with 1-second timestamps can
// hide a same-size rewrite, so a whole-second mtime is not trusted. Two
// names of one inode hold the same bytes.
func needsContent(u, l *node) bool {
	return u.isReg() && u.size > 0 && u.mtime.nsec == 0 && u.id != l.id
}
