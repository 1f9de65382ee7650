//go:build !linux

package drivertest

import (
	"fmt"
	"runtime"

	"github.com/layerfs/graphdriver"
)

func statEntry(string, snapshotConfig) (Entry, fileID, error) {
	return Entry{}, fileID{}, fmt.Errorf("snapshot on %s: %w", runtime.GOOS, graphdriver.ErrNotSupported)
}
