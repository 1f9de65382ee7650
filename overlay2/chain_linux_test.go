package overlay2

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/stretchr/testify/require"
)

// buildChain makes n layers chain0 .. chain<n-1>, each a child of the
// previous one, and returns the top's id. No mounts: Create is cheap.
func buildChain(t testing.TB, d *Driver, n int) string {
	t.Helper()
	parent := ""
	for i := range n {
		id := fmt.Sprintf("chain%d", i)
		require.NoError(t, d.CreateReadWrite(id, parent, nil))
		parent = id
	}
	return parent
}

// TestChainDepthLimit: the kernel stacks 500 lowers and refuses 501; Get
// of a layer with 501 parents is ErrNotSupported naming the depth, and
// one with 500 mounts (new mount API, lowerdir+ one at a time).
func TestChainDepthLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("502-layer chain: skipped in -short mode")
	}
	d := openDriver(t, filepath.Join(t.TempDir(), "overlay2"), "overlay2.mount_api=new")
	top := buildChain(t, d, 502) // top has 501 lowers
	_, err := d.Get(top, "")
	require.ErrorIs(t, err, graphdriver.ErrNotSupported)
	require.Contains(t, err.Error(), "501 > 500")
	require.NoError(t, d.Remove(top))
	top = "chain500" // 500 lowers, read-write
	_, err = d.Get(top, "")
	require.NoError(t, err)
	require.NoError(t, d.Put(top))
}

// TestChainDepthLegacy: with mount(2) the lowerdir list must fit one
// page; past it Get is ErrNotSupported saying so, never a truncated
// mount (moby#41830).
func TestChainDepthLegacy(t *testing.T) {
	d := openDriver(t, filepath.Join(t.TempDir(), "overlay2"), "overlay2.mount_api=legacy")
	top := buildChain(t, d, 200)
	_, err := d.Get(top, "")
	require.ErrorIs(t, err, graphdriver.ErrNotSupported)
	require.Contains(t, err.Error(), "page size")
	require.Contains(t, err.Error(), "199 layers")
	_, err = d.Get("chain128", "") // 128 lowers fit, as in Docker
	require.NoError(t, err)
	require.NoError(t, d.Put("chain128"))
}
