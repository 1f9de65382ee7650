package refcount

import (
	"sync"
	"testing"
)

func TestCounter(t *testing.T) {
	var c Counter
	if _, ok := c.Decrement("a"); ok {
		t.Fatal("Decrement of an unreferenced key reported ok")
	}
	if n := c.Increment("a"); n != 1 {
		t.Fatalf("first Increment = %d, want 1", n)
	}
	if n := c.Increment("a"); n != 2 {
		t.Fatalf("second Increment = %d, want 2", n)
	}
	if n, ok := c.Decrement("a"); !ok || n != 1 {
		t.Fatalf("Decrement = %d, %v; want 1, true", n, ok)
	}
	if n, ok := c.Decrement("a"); !ok || n != 0 {
		t.Fatalf("Decrement = %d, %v; want 0, true", n, ok)
	}
	if n := c.Count("a"); n != 0 {
		t.Fatalf("Count after balance = %d, want 0", n)
	}
	if keys := c.Keys(); len(keys) != 0 {
		t.Fatalf("Keys after balance = %v, want none", keys)
	}
}

func TestCounterConcurrent(t *testing.T) {
	var c Counter
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				c.Increment("k")
				if _, ok := c.Decrement("k"); !ok {
					t.Error("Decrement after Increment not ok")
				}
			}
		}()
	}
	wg.Wait()
	if n := c.Count("k"); n != 0 {
		t.Fatalf("Count = %d, want 0", n)
	}
}
