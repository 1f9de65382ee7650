//go:build !linux

package drivertest

import (
	"fmt"
	"runtime"
)

func probeAbilities() ability {
	err := fmt.Errorf("the suite runs on linux only, not %s", runtime.GOOS)
	return ability{chown: err, mknod: err}
}
