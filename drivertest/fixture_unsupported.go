//go:build !linux

package drivertest

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/layerfs/graphdriver"
)

// errUnsupported is what every fixture step returns off Linux: the suite
// needs *at syscalls, openat2 and Linux xattr semantics.
var errUnsupported = fmt.Errorf("drivertest: fixtures on %s: %w", runtime.GOOS, graphdriver.ErrNotSupported)

func createFile(string, string, []byte, os.FileMode) error    { return errUnsupported }
func appendFile(string, string, []byte) error                 { return errUnsupported }
func createDir(string, string, os.FileMode) error             { return errUnsupported }
func remove(string, string) error                             { return errUnsupported }
func removeAll(string, string) error                          { return errUnsupported }
func rename(string, string, string) error                     { return errUnsupported }
func link(string, string, string) error                       { return errUnsupported }
func symlink(string, string, string) error                    { return errUnsupported }
func chown(string, string, int, int) error                    { return errUnsupported }
func chmod(string, string, os.FileMode) error                 { return errUnsupported }
func chtimes(string, string, time.Time, time.Time) error      { return errUnsupported }
func setXattr(string, string, string, []byte) error           { return errUnsupported }
func mknod(string, string, os.FileMode, uint32, uint32) error { return errUnsupported }
