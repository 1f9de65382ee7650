package drivertest

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/layerfs/graphdriver"
)

func checkRefcount(h *harness) {
	const id, content = "counted", "counted\n"
	h.createRW(id, "")
	h.write(id, CreateFile("data", []byte(content), 0o644))
	first := h.get(id)
	second := h.get(id)
	if first != second {
		h.t.Errorf("nested Gets of %s returned %s, then %s; want the same path", id, first, second)
	}
	h.put(id)
	if got := readView(h.t, id, first, "data"); got != content {
		h.t.Errorf("after 2 Gets and 1 Put, data in %s = %q, want %q", id, got, content)
	}
	expectErr(h.t, h.d.Remove(id), graphdriver.ErrBusy, "Remove after 2 Gets and 1 Put")
	h.put(id)
	h.remove(id)
}

const (
	getPutWorkers = 32
	getPutRounds  = 20
)

// checkConcurrentGetPut runs Get/read/Put loops from many goroutines, on
// one shared id and on four others at the same time. Its value is under
// -race and in the refcount staying balanced: every Remove must work
// afterwards.
func checkConcurrentGetPut(h *harness) {
	shared := "shared"
	spread := []string{"spread0", "spread1", "spread2", "spread3"}
	for _, id := range append([]string{shared}, spread...) {
		h.createRW(id, "")
		h.write(id, CreateFile("data", []byte(id), 0o644))
	}
	var wg sync.WaitGroup
	for w := range getPutWorkers {
		for _, id := range []string{shared, spread[w%len(spread)]} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := getReadPut(h.d, id, getPutRounds); err != nil {
					h.t.Errorf("worker %d: %v", w, err)
				}
			}()
		}
	}
	wg.Wait()
	for _, id := range append([]string{shared}, spread...) {
		h.remove(id)
	}
}

// getReadPut does rounds of Get, read "data" (which holds id), Put.
func getReadPut(d graphdriver.Driver, id string, rounds int) error {
	for range rounds {
		dir, err := d.Get(id, "")
		if err != nil {
			return fmt.Errorf("Get(%q): %w", id, err)
		}
		b, readErr := os.ReadFile(filepath.Join(dir, "data"))
		if err := d.Put(id); err != nil {
			return fmt.Errorf("Put(%q): %w", id, err)
		}
		if readErr != nil {
			return fmt.Errorf("read data of %s: %w", id, readErr)
		}
		if string(b) != id {
			return fmt.Errorf("data of %s = %q, want %q", id, b, id)
		}
	}
	return nil
}
