package benchdata

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MeasurePeak times op alone and samples the Go heap every millisecond
// while it runs; it returns the peak heap and the peak RSS in bytes (rss
// 0 where the kernel's peak, VmHWM, cannot be reset). Garbage is collected
// and freed pages returned to the kernel first, so neither figure starts
// with the previous iteration's leftovers. It leaves the timer stopped.
func MeasurePeak(b *testing.B, op func() error) (heap, rss uint64, err error) {
	b.StopTimer()
	debug.FreeOSMemory() // runtime.GC, then madvise what it freed
	rssReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	stop, peak := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for p := uint64(0); ; {
			metrics.Read(s)
			p = max(p, s[0].Value.Uint64())
			select {
			case <-stop:
				peak <- p
				return
			case <-tick.C:
			}
		}
	}()
	b.StartTimer()
	err = op()
	b.StopTimer()
	close(stop)
	if rssReset {
		rss = procStatusBytes("VmHWM:")
	}
	return <-peak, rss, err
}

// procStatusBytes reads a "kB" field of /proc/self/status; 0 if missing.
func procStatusBytes(field string) uint64 {
	data, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
