package overlay2

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/stretchr/testify/require"
)

// TestSupported: the probes run in a temporary dir they remove; without
// root they report ErrNotSupported saying what is needed.
func TestSupported(t *testing.T) {
	parent := t.TempDir()
	err := Supported(filepath.Join(parent, "not-yet", "overlay2"))
	if os.Geteuid() != 0 {
		require.ErrorIs(t, err, graphdriver.ErrNotSupported)
		require.Contains(t, err.Error(), "root or a user namespace")
		return
	}
	require.NoError(t, err)
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	require.Empty(t, entries, "Supported left files behind")
	requireNoMountsUnder(t, parent)
}
