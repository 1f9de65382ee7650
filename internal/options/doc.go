// Package options parses Docker-style driver options
// ("overlay2.mount_api=new"): each is "<backend>.<key>=<value>", a key
// the backend does not know is an error naming it, and options for other
// backends are left to them. Not for storage options of a single layer
// (CreateOpts.StorageOpt), which each Create checks.
package options
