// Package refcount counts Get/Put references per layer id.
package refcount

import "sync"

// Counter counts references per key. The zero value is ready and safe for
// use from many goroutines.
type Counter struct {
	mu     sync.Mutex
	counts map[string]int
}

// Increment adds a reference to key and returns the new count.
func (c *Counter) Increment(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[key]++
	return c.counts[key]
}

// Decrement drops a reference to key and returns the new count. ok is
// false, and nothing changes, when key held no reference.
func (c *Counter) Decrement(key string) (count int, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.counts[key]
	if n == 0 {
		return 0, false
	}
	if n == 1 {
		delete(c.counts, key)
		return 0, true
	}
	c.counts[key] = n - 1
	return n - 1, true
}

// Count returns the references key holds.
func (c *Counter) Count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[key]
}

// Keys returns the keys holding references, in no order.
func (c *Counter) Keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.counts))
	for k := range c.counts {
		keys = append(keys, k)
	}
	return keys
}
