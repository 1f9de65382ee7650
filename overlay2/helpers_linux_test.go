package overlay2

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/internal/mount"
	"github.com/stretchr/testify/require"
)

// openDriver opens a driver on home, skipping the test with New's reason
// when overlay2 cannot run here (not root, no overlayfs).
func openDriver(t testing.TB, home string, opts ...string) *Driver {
	t.Helper()
	d, err := New(home, opts, graphdriver.IDMap{})
	if errors.Is(err, graphdriver.ErrNotSupported) {
		t.Skipf("overlay2 not supported here: %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Cleanup() })
	return d
}

// writeView writes files (name -> content) into layer id through Get/Put.
func writeView(t testing.TB, d *Driver, id string, files map[string]string) {
	t.Helper()
	dir, err := d.Get(id, "")
	require.NoError(t, err)
	defer func() { require.NoError(t, d.Put(id)) }()
	for name, content := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
}

// readView returns the content of name in layer id's view, or "" when
// it does not exist.
func readView(t testing.TB, d *Driver, id, name string) string {
	t.Helper()
	dir, err := d.Get(id, "")
	require.NoError(t, err)
	defer func() { require.NoError(t, d.Put(id)) }()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	require.NoError(t, err)
	return string(b)
}

// requireNoMountsUnder fails unless nothing is mounted below dir.
func requireNoMountsUnder(t testing.TB, dir string) {
	t.Helper()
	entries, err := mount.Read()
	require.NoError(t, err)
	real, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	require.Empty(t, mount.Under(entries, real), "mounts left under %s", dir)
}
