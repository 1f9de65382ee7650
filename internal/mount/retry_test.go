package mount

import (
	"errors"
	"testing"
	"time"
)

func TestRetryBusy(t *testing.T) {
	errBusy := errors.New("busy")
	other := errors.New("other")
	tests := []struct {
		name      string
		results   []error
		tries     int
		wantErr   error
		wantCalls int
		wantSleep time.Duration
	}{
		{name: "at once", results: []error{nil}, tries: 5, wantCalls: 1},
		{name: "after two busy", results: []error{errBusy, errBusy, nil}, tries: 5, wantCalls: 3, wantSleep: 30 * time.Millisecond},
		{name: "always busy", results: []error{errBusy, errBusy, errBusy}, tries: 3, wantErr: errBusy, wantCalls: 3, wantSleep: 30 * time.Millisecond},
		{name: "other error not retried", results: []error{other}, tries: 5, wantErr: other, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			var slept time.Duration
			err := RetryBusy(tt.tries, 10*time.Millisecond, errBusy, func(d time.Duration) { slept += d }, func() error {
				calls++
				return tt.results[calls-1]
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("RetryBusy = %v, want %v", err, tt.wantErr)
			}
			if calls != tt.wantCalls || slept != tt.wantSleep {
				t.Fatalf("%d calls, slept %v; want %d, %v", calls, slept, tt.wantCalls, tt.wantSleep)
			}
		})
	}
}
