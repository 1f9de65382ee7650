package locker

import "sync"

// Locker is a set of mutexes keyed by string. The zero value is ready.
type Locker struct {
	mu    sync.Mutex
	locks map[string]*entry
}

type entry struct {
	mu      sync.Mutex
	waiters int // holders and waiters; the entry is freed at zero
}

// Lock locks key, waiting while another goroutine holds it.
func (l *Locker) Lock(key string) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*entry{}
	}
	e, ok := l.locks[key]
	if !ok {
		e = &entry{}
		l.locks[key] = e
	}
	e.waiters++
	l.mu.Unlock()
	e.mu.Lock()
}

// Unlock unlocks key. Unlocking a key that is not locked panics, as
// sync.Mutex does: it is a programming error.
func (l *Locker) Unlock(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.locks[key]
	if !ok {
		panic("locker: unlock of unlocked key " + key)
	}
	e.waiters--
	if e.waiters == 0 {
		delete(l.locks, key)
	}
	e.mu.Unlock()
}
