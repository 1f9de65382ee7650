package mount

import (
	"errors"
	"time"
)

// RetryBusy calls f until it returns something other than an error
// wrapping errBusy, at most tries times, sleeping wait, then twice as
// long, between calls. It returns f's last error. A union mount stays
// busy for a moment after its last file is closed (aufs plink and xino
// upkeep, a FUSE daemon finishing a request), so unmounting is retried
// as Docker does.
func RetryBusy(tries int, wait time.Duration, errBusy error, sleep func(time.Duration), f func() error) error {
	var err error
	for i := 0; i < tries; i++ {
		if err = f(); err == nil || !errors.Is(err, errBusy) {
			return err
		}
		if i < tries-1 {
			sleep(wait)
			wait *= 2
		}
	}
	return err
}
