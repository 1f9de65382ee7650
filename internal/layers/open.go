package layers

import (
	"fmt"
	"os"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/cow"
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
