package vfs

// Remove deletes layer id: it is renamed aside first (the commit point),
// then deleted, so a crash never leaves a half-deleted layer in place.
func (d *Driver) Remove(id string) error {
	return d.s.Locked("remove", id, func() error { return d.removeLocked(id) })
}

// removeLocked is Remove with id's lock held.
func (d *Driver) removeLocked(id string) error {
	return d.dirs.Remove(id, nil)
}
