package benchdata

import (
	"slices"
	"testing"
	"time"
)

// Pair names the two sides of a paired benchmark and the unit their
// medians are reported in: metrics "<Ours>-<unit>", "<Theirs>-<unit>"
// and "<Ours>/<Theirs>".
type Pair struct {
	Ours, Theirs string
	Unit         time.Duration // time.Millisecond or time.Microsecond
}

// Paired times ours and theirs in turn in every iteration, the order
// swapped each time, and reports each one's median and the median of the
// per-iteration ratios. Each returns how long its measured part took, so
// it can keep set-up and clean-up out. On a shared machine the load
// drifts over a run: pairs taken moments apart see the same load, which
// separate sub-benchmarks run minutes apart do not.
func Paired(b *testing.B, p Pair, ours, theirs func() time.Duration) {
	var oursT, theirsT, ratios []float64
	for i := 0; b.Loop(); i++ {
		var o, t time.Duration
		if i%2 == 0 {
			o, t = ours(), theirs()
		} else {
			t, o = theirs(), ours()
		}
		oursT, theirsT = append(oursT, float64(o)), append(theirsT, float64(t))
		ratios = append(ratios, float64(o)/float64(t))
	}
	unit := map[time.Duration]string{time.Millisecond: "ms", time.Microsecond: "us"}[p.Unit]
	b.ReportMetric(Median(oursT)/float64(p.Unit), p.Ours+"-"+unit)
	b.ReportMetric(Median(theirsT)/float64(p.Unit), p.Theirs+"-"+unit)
	b.ReportMetric(Median(ratios), p.Ours+"/"+p.Theirs)
}

// Timed runs f and returns how long it took.
func Timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// Median returns the median of xs (0 for none).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
