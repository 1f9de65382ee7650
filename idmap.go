package graphdriver

import "fmt"

// IDMapping maps Size consecutive ids starting at ContainerID inside a user
// namespace to ids starting at HostID outside it, as in /proc/self/uid_map.
type IDMapping struct {
	ContainerID int
	HostID      int
	Size        int
}

// IDMap maps container uids and gids to host ones for user namespaces. The
// zero IDMap is the identity.
type IDMap struct {
	UIDs []IDMapping
	GIDs []IDMapping
}

// Empty reports whether m is the identity mapping.
func (m IDMap) Empty() bool { return len(m.UIDs) == 0 && len(m.GIDs) == 0 }

// RootPair returns the host uid and gid that container root maps to:
// the owner of a new empty layer's root directory.
func (m IDMap) RootPair() (uid, gid int, err error) {
	return m.ToHost(0, 0)
}

// ToHost maps a container uid and gid to host ids.
func (m IDMap) ToHost(uid, gid int) (hostUID, hostGID int, err error) {
	if hostUID, err = toHost(m.UIDs, uid); err != nil {
		return -1, -1, fmt.Errorf("uid %w", err)
	}
	if hostGID, err = toHost(m.GIDs, gid); err != nil {
		return -1, -1, fmt.Errorf("gid %w", err)
	}
	return hostUID, hostGID, nil
}

// ToContainer maps host ids back to container ids.
func (m IDMap) ToContainer(hostUID, hostGID int) (uid, gid int, err error) {
	if uid, err = toContainer(m.UIDs, hostUID); err != nil {
		return -1, -1, fmt.Errorf("uid %w", err)
	}
	if gid, err = toContainer(m.GIDs, hostGID); err != nil {
		return -1, -1, fmt.Errorf("gid %w", err)
	}
	return uid, gid, nil
}

func toHost(maps []IDMapping, id int) (int, error) {
	if len(maps) == 0 {
		return id, nil
	}
	for _, r := range maps {
		if id >= r.ContainerID && id-r.ContainerID < r.Size {
			return r.HostID + id - r.ContainerID, nil
		}
	}
	return -1, fmt.Errorf("%d is not mapped to the host", id)
}

func toContainer(maps []IDMapping, id int) (int, error) {
	if len(maps) == 0 {
		return id, nil
	}
	for _, r := range maps {
		if id >= r.HostID && id-r.HostID < r.Size {
			return r.ContainerID + id - r.HostID, nil
		}
	}
	return -1, fmt.Errorf("%d is not mapped into the container", id)
}
