package fstree

// File type and permission bits of st_mode, as POSIX numbers them (the
// same on every Unix).
const (
	TypeMask  = 0o170000
	TypeDir   = 0o040000
	TypeReg   = 0o100000
	TypeLink  = 0o120000
	TypeChar  = 0o020000
	TypeBlock = 0o060000
	TypeFifo  = 0o010000
	TypeSock  = 0o140000
	PermMask  = 0o7777 // permissions, setuid, setgid, sticky
)

// Node is what one lstat of a directory entry shows.
type Node struct {
	Name  string
	Mode  uint32 // type and permission bits
	UID   uint32
	GID   uint32
	Nlink uint64
	Size  int64
	Mtime Timespec
	Rdev  uint64
	ID    FileID
}

// Timespec is a time as the kernel keeps it.
type Timespec struct{ Sec, Nsec int64 }

// FileID names an inode within one tree.
type FileID struct{ Dev, Ino uint64 }

// Type returns the file type bits of Mode.
func (n *Node) Type() uint32 { return n.Mode & TypeMask }

// IsDir reports whether n is a directory.
func (n *Node) IsDir() bool { return n.Type() == TypeDir }

// IsReg reports whether n is a regular file.
func (n *Node) IsReg() bool { return n.Type() == TypeReg }

// Linked reports whether n is a non-directory with more than one name.
func (n *Node) Linked() bool { return !n.IsDir() && n.Nlink > 1 }

// StatDiffers reports whether what lstat shows of two entries of one path
// differs (rules 3 and 4): type, permission bits, owner, mtime, and the
// size of a regular file or the numbers of a device. A directory's mtime
// counts too.
func StatDiffers(u, l *Node) bool {
	if u.Type() != l.Type() || u.Mode&PermMask != l.Mode&PermMask ||
		u.UID != l.UID || u.GID != l.GID || u.Mtime != l.Mtime {
		return true
	}
	switch u.Type() {
	case TypeReg:
		return u.Size != l.Size
	case TypeChar, TypeBlock:
		return u.Rdev != l.Rdev
	}
	return false
}

// NeedsContent reports whether two regular files that lstat shows as equal
// may still differ in content: a filesystem with 1-second timestamps can
// hide a same-size rewrite, so a whole-second mtime is not trusted. Two
// names of one inode hold the same bytes.
func NeedsContent(u, l *Node) bool {
	return u.IsReg() && u.Size > 0 && u.Mtime.Nsec == 0 && u.ID != l.ID
}
