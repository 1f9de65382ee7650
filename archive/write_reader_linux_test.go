package archive

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestReaderMatchesWrite(t *testing.T) {
	root, _ := wTree(t)
	entries := []Entry{wo("."), wp("d"), wp("d/f"), wp("d/g"), wp("l"), wp("p"), wp("s")}
	r := NewReader(root, entries, nil)
	got, err := io.ReadAll(r)
	wMust(t, err)
	wMust(t, r.Close())
	if want := wWrite(t, root, entries, nil); !bytes.Equal(got, want) {
		t.Fatalf("NewReader gave %d bytes, Write %d, and they differ", len(got), len(want))
	}
}

func TestReaderError(t *testing.T) {
	root := t.TempDir()
	wMust(t, os.WriteFile(filepath.Join(root, "a"), []byte("a"), 0o644))
	r := NewReader(root, []Entry{wp("a"), wp("b")}, nil)
	defer r.Close()
	_, err := io.ReadAll(r)
	if err == nil || !strings.Contains(err.Error(), "lstat b") {
		t.Fatalf("ReadAll = %v, want the error naming b", err)
	}
}

// TestReaderCloseEarly abandons a tar after a few bytes: Close must stop
// the writer goroutine (the file it was copying is closed with it).
func TestReaderCloseEarly(t *testing.T) {
	root := t.TempDir()
	big := filepath.Join(root, "big")
	wMust(t, os.WriteFile(big, nil, 0o644))
	wMust(t, os.Truncate(big, 64<<20)) // sparse: cheap to make, 64 MiB to read
	before := runtime.NumGoroutine()
	for _, n := range []int{0, 10, 1 << 20} {
		r := NewReader(root, []Entry{wp("big")}, nil)
		if n > 0 {
			if _, err := io.ReadFull(r, make([]byte, n)); err != nil {
				t.Fatal(err)
			}
		}
		wMust(t, r.Close())
		select {
		case <-r.(*pipeReader).done:
		default:
			t.Fatalf("after reading %d bytes: Close returned with the writer still running", n)
		}
		wMust(t, r.Close()) // again: a no-op
		if _, err := r.Read(make([]byte, 1)); err == nil {
			t.Errorf("Read after Close succeeded")
		}
	}
	// Goroutines of the runtime may come and go; ours must be gone.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}
