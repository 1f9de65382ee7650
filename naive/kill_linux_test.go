package naive

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerfs/graphdriver/drivertest"
	"github.com/layerfs/graphdriver/internal/testsupport/ops"
)

const killHomeEnv = "NAIVE_KILL_TEST_HOME"

// killFiles is the number of files of the killed-fold fixture: enough
// that a fold takes long enough to be killed in its middle.
const killFiles = 800

// TestFoldKilled kills a process with SIGKILL while its Put folds a
// view, at several delays, reopens the store and checks that the layer
// shows either its old state or its new one, whole.
func TestFoldKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: skipping the killed-process runs")
	}
	oldState, newState := killStates()
	for _, delay := range []time.Duration{0, 2 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond, 200 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			home := t.TempDir()
			d := mustNew(t, home)
			ops.Must(t, d.CreateReadWrite("ctr", "", nil))
			writeView(t, d, "ctr", oldState, nil)
			oldTree := plainViewTree(t, d, "ctr")
			newTree := modelTree(t, oldState, newState)
			ops.Must(t, d.Cleanup())
			killDuringPut(t, home, delay)
			d = mustNew(t, home)
			got := plainViewTree(t, d, "ctr")
			oldDiff, newDiff := drivertest.DiffTrees(oldTree, got), drivertest.DiffTrees(newTree, got)
			if len(oldDiff) > 0 && len(newDiff) > 0 {
				t.Fatalf("after a kill %v into Put, ctr is neither its old state (%d differences: %s) nor its new one (%d: %s)",
					delay, len(oldDiff), oldDiff[0], len(newDiff), newDiff[0])
			}
			t.Logf("kill after %v: the layer shows its %s state", delay, map[bool]string{true: "old", false: "new"}[len(oldDiff) == 0])
			expectNoLeftovers(t, d, home)
		})
	}
}

// killStates returns the files of the fixture's old state and what the
// killed process writes over them ("" deletes).
func killStates() (oldState, newState map[string]string) {
	oldState, newState = map[string]string{}, map[string]string{}
	for i := range killFiles {
		p := fmt.Sprintf("d%02d/f%04d", i%40, i)
		oldState[p] = fmt.Sprintf("old %d\n", i)
		switch i % 3 {
		case 0:
			newState[p] = fmt.Sprintf("new %d\n", i)
		case 1:
			newState[p] = ""
		}
		newState[fmt.Sprintf("n%02d/f%04d", i%30, i)] = "added\n"
	}
	return oldState, newState
}

// modelTree is the tree of oldState with newState written over it,
// without times.
func modelTree(t *testing.T, oldState, newState map[string]string) drivertest.Tree {
	dir := filepath.Join(t.TempDir(), "model")
	ops.Must(t, os.Mkdir(dir, 0o755))
	writeFiles(t, dir, oldState)
	ops.WriteFiles(t, dir, newState)
	tree, err := drivertest.Snapshot(dir)
	ops.Must(t, err)
	return tree
}

func plainViewTree(t *testing.T, d *Driver, id string) drivertest.Tree {
	t.Helper()
	dir, err := d.Get(id, "")
	ops.Must(t, err)
	defer func() { ops.Must(t, d.Put(id)) }()
	tree, err := drivertest.Snapshot(dir)
	ops.Must(t, err)
	return tree
}

// killDuringPut runs TestFoldKilledHelper on home in a child process and
// kills it delay after it starts its Put.
func killDuringPut(t *testing.T, home string, delay time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFoldKilledHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), killHomeEnv+"="+home)
	out, err := cmd.StdoutPipe()
	ops.Must(t, err)
	cmd.Stderr = os.Stderr
	ops.Must(t, cmd.Start())
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), "putting") {
	}
	time.Sleep(delay)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// TestFoldKilledHelper is the process TestFoldKilled kills: it writes the
// new state into the view of ctr and puts it. It does nothing unless
// started by TestFoldKilled.
func TestFoldKilledHelper(t *testing.T) {
	home := os.Getenv(killHomeEnv)
	if home == "" {
		t.Skip("runs only as the child process of TestFoldKilled")
	}
	d := mustNew(t, home)
	dir, err := d.Get("ctr", "")
	ops.Must(t, err)
	_, newState := killStates()
	ops.WriteFiles(t, dir, newState)
	fmt.Println("putting")
	ops.Must(t, d.Put("ctr"))
	fmt.Println("done")
}
