package naive

import (
	"testing"

	"github.com/layerfs/graphdriver/drivertest"
	"github.com/layerfs/graphdriver/internal/testsupport/loopfs"
)

var openStore = drivertest.Opener(New)

func TestConformance(t *testing.T) { drivertest.Run(t, openStore) }

// TestConformanceOnXFSReflink: there views clone file extents instead of copying them.
func TestConformanceOnXFSReflink(t *testing.T) { loopfs.RunSuiteOnReflinkXFS(t, openStore) }

// TestRegistered: importing the package registers the backend, and New("")
// picks a root that holds its state.
func TestRegistered(t *testing.T) { drivertest.CheckRegistered(t, Name) }
