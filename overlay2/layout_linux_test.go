package overlay2

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

var linkPattern = regexp.MustCompile(`^[A-Z0-9]{26}$`)

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// TestLayoutDockerFormat: link, lower, l/<short> and committed are
// exactly what Docker's overlay2 writes.
func TestLayoutDockerFormat(t *testing.T) {
	home := filepath.Join(t.TempDir(), "overlay2")
	d := openDriver(t, home)
	require.NoError(t, d.Create("base", "", nil))
	require.NoError(t, d.CreateReadWrite("mid", "base", nil))
	require.NoError(t, d.Create("top", "mid", nil))

	link := map[string]string{}
	for _, id := range []string{"base", "mid", "top"} {
		link[id] = readFile(t, filepath.Join(home, id, "link"))
		require.Regexp(t, linkPattern, link[id], "link of %s", id)
		target, err := os.Readlink(filepath.Join(home, "l", link[id]))
		require.NoError(t, err)
		require.Equal(t, "../"+id+"/diff", target)
	}
	require.NoFileExists(t, filepath.Join(home, "base", "lower"))
	require.Equal(t, "l/"+link["base"], readFile(t, filepath.Join(home, "mid", "lower")))
	require.Equal(t, "l/"+link["mid"]+":l/"+link["base"], readFile(t, filepath.Join(home, "top", "lower")))
	require.FileExists(t, filepath.Join(home, "base", "committed"))
	require.FileExists(t, filepath.Join(home, "mid", "committed"))
	require.NoFileExists(t, filepath.Join(home, "top", "committed"))
	require.DirExists(t, filepath.Join(home, "mid", "work"))
	require.FileExists(t, filepath.Join(home, "mid", "rw"))
	require.NoFileExists(t, filepath.Join(home, "top", "rw"))
	fi, err := os.Stat(home)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o710), fi.Mode().Perm(), "home mode (CVE-2021-41091)")

	md, err := d.GetMetadata("top")
	require.NoError(t, err)
	real, _ := filepath.EvalSymlinks(home)
	require.Equal(t, filepath.Join(real, "mid/diff")+":"+filepath.Join(real, "base/diff"), md["LowerDir"])
	require.Equal(t, filepath.Join(real, "top/diff"), md["UpperDir"])
}

// TestLayoutRebuildsLinks: missing l/ entries (moby#35747: "readlink ...
// invalid argument" after a crash or a copy of the data dir) are rebuilt
// from the link files on open.
func TestLayoutRebuildsLinks(t *testing.T) {
	home := filepath.Join(t.TempDir(), "overlay2")
	d := openDriver(t, home)
	require.NoError(t, d.CreateReadWrite("base", "", nil))
	writeView(t, d, "base", map[string]string{"f": "base\n"})
	require.NoError(t, d.CreateReadWrite("child", "base", nil))
	require.NoError(t, d.Cleanup())
	require.NoError(t, os.RemoveAll(filepath.Join(home, "l")))

	d = openDriver(t, home, "overlay2.mount_api=legacy") // mount(2) resolves the l/ links
	require.Equal(t, "base\n", readView(t, d, "child", "f"))
	for _, id := range []string{"base", "child"} {
		target, err := os.Readlink(filepath.Join(home, "l", readFile(t, filepath.Join(home, id, "link"))))
		require.NoError(t, err)
		require.Equal(t, "../"+id+"/diff", target)
	}
}

// TestLayoutOpensDockerStore: a store laid out by hand the way Docker
// writes it (no rw files, no l/ dir) opens, and Get shows the merged view
// with an overlay whiteout hiding a lower file.
func TestLayoutOpensDockerStore(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: char 0/0 whiteouts and overlay mounts")
	}
	home := filepath.Join(t.TempDir(), "overlay2")
	linkA, linkB := strings.Repeat("A", 26), strings.Repeat("B", 26)
	write := func(rel, content string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(home, rel)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(home, rel), []byte(content), 0o644))
	}
	write("a/link", linkA)
	write("a/diff/from-a", "a\n")
	write("a/diff/gone", "deleted in b\n")
	write("a/committed", "")
	write("b/link", linkB)
	write("b/lower", "l/"+linkA)
	write("b/diff/from-b", "b\n")
	require.NoError(t, os.Mkdir(filepath.Join(home, "b", "work"), 0o700))
	require.NoError(t, unix.Mknod(filepath.Join(home, "b/diff/gone"), unix.S_IFCHR|0o600, 0))

	d := openDriver(t, home)
	require.True(t, d.Exists("a") && d.Exists("b"))
	require.ErrorIs(t, d.Remove("a"), graphdriver.ErrHasChildren)
	dir, err := d.Get("b", "")
	require.NoError(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{"from-a", "from-b"}, names)
	require.NoError(t, d.Put("b"))
	changes, err := d.Changes("b", "")
	require.NoError(t, err)
	require.Equal(t, "[A /from-b D /gone]", fmtChanges(changes))
}

func fmtChanges(cs []graphdriver.Change) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}
