package naive

// Remove deletes layer id: its diff is renamed aside first (the commit
// point), then deleted, so a crash never leaves a half-deleted layer.
func (d *Driver) Remove(id string) error {
	return d.s.Locked("remove", id, func() error { return d.removeLocked(id) })
}

// removeLocked is Remove with id's lock held. The kept link farm of id
// goes with it: nothing may build on a removed layer.
func (d *Driver) removeLocked(id string) error {
	return d.dirs.Remove(id, func() { d.dropFarm(id) })
}
