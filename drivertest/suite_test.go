//go:build linux

package drivertest

import (
	"testing"

	"github.com/layerfs/graphdriver"
)

// TestRunOnFakeDriver runs the suite on the test-only full-copy backend:
// the suite must pass on a backend that keeps the contract.
func TestRunOnFakeDriver(t *testing.T) {
	Run(t, func(home string) (graphdriver.Driver, error) {
		return newFakeDriver(home)
	})
}
