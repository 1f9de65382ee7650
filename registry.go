package graphdriver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
)

// InitFunc opens (creating if needed) a backend whose home directory is
// home. options are Docker-style "name.key=value" strings; a backend takes
// those with its own prefix and ignores the others. A backend that cannot
// run here returns an error wrapping ErrNotSupported, saying why, before it
// writes anything under home.
type InitFunc func(home string, options []string, idMap IDMap) (Driver, error)

// Priority is the order in which New tries backends when no name is given.
// Registered backends not listed here come after, by name.
var Priority = []string{"overlay2", "aufs", "naive", "vfs"}

var (
	registryMu sync.RWMutex
	registry   = map[string]InitFunc{}
)

// Register makes a backend available by name, in the style of
// database/sql: a backend package calls it from init, and a program
// selects the backends it wants by importing them (blank imports are
// fine). Registering a name twice, or a nil InitFunc, panics.
func Register(name string, init InitFunc) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if init == nil {
		panic("graphdriver: Register " + name + " with a nil InitFunc")
	}
	if _, dup := registry[name]; dup {
		panic("graphdriver: Register called twice for " + name)
	}
	registry[name] = init
}

// Backends returns the registered backend names in priority order.
func Backends() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	var names []string
	for _, n := range Priority {
		if _, ok := registry[n]; ok {
			names = append(names, n)
		}
	}
	var rest []string
	for n := range registry {
		if !slices.Contains(Priority, n) {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// New opens the backend called name with its home at root/name, in the
// layout Docker uses (/var/lib/docker/overlay2). With name "" it picks:
// the one backend that already has state under root; else the first, in
// Priority order, that works here. When none works, the error lists why
// each candidate was rejected.
func New(name, root string, options []string, idMap IDMap) (Driver, error) {
	if name != "" {
		init, ok := lookup(name)
		if !ok {
			return nil, fmt.Errorf("graphdriver: no backend %q registered (have %s): %w",
				name, strings.Join(Backends(), ", "), ErrNotSupported)
		}
		return init(filepath.Join(root, name), options, idMap)
	}
	names := Backends()
	prior, err := backendsWithState(root, names)
	if err != nil {
		return nil, err
	}
	switch len(prior) {
	case 0:
	case 1:
		init, _ := lookup(prior[0])
		return init(filepath.Join(root, prior[0]), options, idMap)
	default:
		return nil, fmt.Errorf("graphdriver: %s holds state of several backends (%s): name the one to use",
			root, strings.Join(prior, ", "))
	}
	var rejected []error
	for _, n := range names {
		init, _ := lookup(n)
		d, err := init(filepath.Join(root, n), options, idMap)
		if err == nil {
			return d, nil
		}
		if !errors.Is(err, ErrNotSupported) {
			return nil, err
		}
		rejected = append(rejected, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("graphdriver: no backend registered (import one, e.g. .../vfs): %w", ErrNotSupported)
	}
	return nil, fmt.Errorf("graphdriver: no backend works under %s: %w", root, errors.Join(rejected...))
}

func lookup(name string) (InitFunc, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	init, ok := registry[name]
	return init, ok
}

// backendsWithState returns the backends whose home under root is a
// non-empty directory.
func backendsWithState(root string, names []string) ([]string, error) {
	var found []string
	for _, n := range names {
		entries, err := os.ReadDir(filepath.Join(root, n))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("graphdriver: look for state of %s: %w", n, err)
		}
		if len(entries) > 0 {
			found = append(found, n)
		}
	}
	return found, nil
}
