package archive

import "golang.org/x/sys/unix"

// parentCacheSize is how many resolved parent directories Apply keeps
// open. Tars list a directory's files and subtrees interleaved in name
// order ("d/a", "d/b/x", "d/c"), so a walk down and back up a path needs
// one handle per level; 32 covers any real tree's depth at the cost of 32
// descriptors.
const parentCacheSize = 32

// parentCache maps directory paths (relative to the root) to O_PATH
// handles resolved in the root, least recently used first out. A handle
// names an inode, not a path: the cache is only right while no entry on
// the way has been removed or replaced, so whatever does that sets stale
// and the next lookup empties the cache.
type parentCache struct {
	entries []cachedParent // most recently used last
	stale   bool
}

type cachedParent struct {
	path string
	fd   int
}

// get returns the handle cached for path.
func (c *parentCache) get(path string) (int, bool) {
	for i := len(c.entries) - 1; i >= 0; i-- {
		if e := c.entries[i]; e.path == path {
			copy(c.entries[i:], c.entries[i+1:])
			c.entries[len(c.entries)-1] = e
			return e.fd, true
		}
	}
	return -1, false
}

// put caches f for path, closing the least recently used handle when
// the cache is full.
func (c *parentCache) put(path string, fd int) {
	if len(c.entries) == parentCacheSize {
		unix.Close(c.entries[0].fd)
		c.entries = append(c.entries[:0], c.entries[1:]...)
	}
	c.entries = append(c.entries, cachedParent{path, fd})
}

// clear closes every handle.
func (c *parentCache) clear() {
	for _, e := range c.entries {
		unix.Close(e.fd)
	}
	c.entries, c.stale = c.entries[:0], false
}
