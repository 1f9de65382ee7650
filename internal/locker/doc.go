// Package locker provides a mutex per key (a layer id), so operations on
// different layers run in parallel while operations on one layer are
// serialized. Entries are freed when nobody holds or waits for them.
// It works within one process only: it is not a lock between processes
// sharing a store.
package locker
