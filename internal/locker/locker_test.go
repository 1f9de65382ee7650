package locker

import (
	"sync"
	"testing"
)

func TestLockerSerializesOneKey(t *testing.T) {
	var l Locker
	var wg sync.WaitGroup
	counter := 0 // guarded by l's "k"; the race detector catches a broken lock
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				l.Lock("k")
				counter++
				l.Unlock("k")
			}
		}()
	}
	wg.Wait()
	if counter != 3200 {
		t.Fatalf("counter = %d, want 3200", counter)
	}
	if n := len(l.locks); n != 0 {
		t.Fatalf("%d entries left after all unlocks, want 0", n)
	}
}

func TestLockerKeysAreIndependent(t *testing.T) {
	var l Locker
	l.Lock("a")
	done := make(chan struct{})
	go func() {
		l.Lock("b") // must not wait for "a"
		l.Unlock("b")
		close(done)
	}()
	<-done
	l.Unlock("a")
}

func TestUnlockUnlockedPanics(t *testing.T) {
	var l Locker
	defer func() {
		if recover() == nil {
			t.Fatal("Unlock of an unlocked key did not panic")
		}
	}()
	l.Unlock("x")
}
