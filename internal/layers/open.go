package layers

import (
	"fmt"
	"os"
	"strconv"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
	"github.com/layerfs/graphdriver/internal/fsprobe"
	"github.com/layerfs/graphdriver/internal/options"
)

// RootPair returns the owner of new empty layers for a backend that also
// runs unprivileged (vfs, naive): the host ids of container root, or,
// with no id map and no privilege, the current user, since an
// unprivileged store cannot hand files to root.
func RootPair(backend string, idMap graphdriver.IDMap) (uid, gid int, err error) {
	if idMap.Empty() && os.Geteuid() != 0 {
		return os.Geteuid(), os.Getegid(), nil
	}
	if uid, gid, err = idMap.RootPair(); err != nil {
		return -1, -1, fmt.Errorf("%s: id map: root %w", backend, err)
	}
	return uid, gid, nil
}

// CopyOptions reads the option "<backend>.xattrs=strict|skip-unsupported"
// from parsed (see options.Parse): what to do when the filesystem refuses
// an xattr while a backend copies a tree. The default is strict.
func CopyOptions(backend string, parsed map[string]string) (*cow.Options, error) {
	switch v := parsed["xattrs"]; v {
	case "", "strict":
		return &cow.Options{Xattrs: cow.XattrsStrict}, nil
	case "skip-unsupported":
		return &cow.Options{Xattrs: cow.XattrsSkipUnsupported}, nil
	default:
		return nil, fmt.Errorf("%s: option %s.xattrs=%q: want strict or skip-unsupported", backend, backend, v)
	}
}

// Copying is what the backends that copy trees (vfs, naive) open alike:
// a copier shared by every copy of the store, so that a copy method that
// fails on this filesystem is not tried again per file, and what Status
// shows of the filesystem.
type Copying struct {
	Copier  *cow.Copier
	FSName  string // the backing filesystem
	Reflink bool   // whether copies share extents (xfs reflink=1, btrfs)
}

// OpenCopying opens the home of a copying backend: it reads the only
// option such a backend takes, "<backend>.xattrs" (see CopyOptions),
// sets the owner of new layer roots (RootPair) and makes the home and
// dirs (MakeHome).
func OpenCopying[M any](s *Store[M], opts []string, dirs ...string) (Copying, error) {
	parsed, err := options.Parse(s.Backend, opts, "xattrs")
	if err != nil {
		return Copying{}, err
	}
	copyOpts, err := CopyOptions(s.Backend, parsed)
	if err != nil {
		return Copying{}, err
	}
	if s.RootUID, s.RootGID, err = RootPair(s.Backend, s.IDMap); err != nil {
		return Copying{}, err
	}
	if err := MakeHome(s.Backend, s.Home, s.RootGID, dirs...); err != nil {
		return Copying{}, err
	}
	c := Copying{Copier: cow.NewCopier(copyOpts)}
	c.FSName, _ = fsprobe.BackingFS(s.Home)
	c.Reflink, _ = cow.ReflinkSupported(s.Home)
	return c, nil
}

// Status is what Status shows of the filesystem, with the number of
// layers.
func (c Copying) Status(layers int) [][2]string {
	return [][2]string{
		{"Backing Filesystem", c.FSName},
		{"Reflink", strconv.FormatBool(c.Reflink)},
		{"Layers", strconv.Itoa(layers)},
	}
}
