package overlay2

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
	"github.com/stretchr/testify/require"
)

func links(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%026d", i) // digits are valid link characters
	}
	return out
}

func TestLowerFileRoundTrip(t *testing.T) {
	for _, n := range []int{1, 2, 128, 500} {
		l := links(n)
		content := formatLower(l)
		require.Equal(t, n*(2+linkLen+1)-1, len(content), "l/<26>: per layer, no trailing colon")
		got, err := parseLower(content + "\n")
		require.NoError(t, err)
		require.Equal(t, l, got)
	}
	got, err := parseLower("")
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestParseLowerRejects(t *testing.T) {
	for name, content := range map[string]string{
		"absolute":   "/l/" + strings.Repeat("A", 26),
		"no-prefix":  strings.Repeat("A", 26),
		"short":      "l/ABC",
		"lower-case": "l/" + strings.Repeat("a", 26),
		"escape":     "l/../" + strings.Repeat("A", 23),
		"empty-part": "l/" + strings.Repeat("A", 26) + "::l/" + strings.Repeat("B", 26),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseLower(content)
			require.Error(t, err)
		})
	}
}

func TestNewLink(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		l, err := newLink()
		require.NoError(t, err)
		require.True(t, validLink(l), "%q is not [A-Z0-9]{26}", l)
		require.False(t, seen[l], "duplicate link %q", l)
		seen[l] = true
	}
}

func TestFsconfigOptions(t *testing.T) {
	s := mountSpec{Lowers: []string{"/h/p/diff", "/h/g/diff"}, Upper: "/h/c/diff", Work: "/h/c/work",
		UserXattr: true, Label: "system_u:object_r:container_file_t:s0"}
	want := [][2]string{
		{"source", "overlay"}, {"index", "off"}, {"redirect_dir", "nofollow"}, {"metacopy", "off"},
		{"lowerdir+", "/h/p/diff"}, {"lowerdir+", "/h/g/diff"},
		{"upperdir", "/h/c/diff"}, {"workdir", "/h/c/work"},
		{"userxattr", ""}, {"context", "system_u:object_r:container_file_t:s0"},
	}
	require.Equal(t, want, s.fsconfigOptions())
	ro := mountSpec{Lowers: []string{"/a", "/b"}}
	require.NotContains(t, fmt.Sprint(ro.fsconfigOptions()), "upperdir")
}

func TestMountData(t *testing.T) {
	tests := []struct {
		name string
		spec mountSpec
		want string
	}{
		{"rw", mountSpec{Lowers: []string{"l/A", "l/B"}, Upper: "c/diff", Work: "c/work"},
			"index=off,redirect_dir=off,metacopy=off,lowerdir=l/A:l/B,upperdir=c/diff,workdir=c/work"},
		{"read-only", mountSpec{Lowers: []string{"l/A", "l/B"}},
			"index=off,redirect_dir=off,metacopy=off,lowerdir=l/A:l/B"},
		{"userxattr-label", mountSpec{Lowers: []string{"l/A"}, Upper: "c/diff", Work: "c/work", UserXattr: true, Label: "s0"},
			`index=off,redirect_dir=nofollow,metacopy=off,lowerdir=l/A,upperdir=c/diff,workdir=c/work,userxattr,context="s0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { require.Equal(t, tt.want, tt.spec.mountData()) })
	}
}

// TestSpecDepth: the kernel stacks at most 500 lowers (501 fails); the
// error wraps ErrNotSupported and names the depth.
func TestSpecDepth(t *testing.T) {
	ok := mountSpec{Lowers: links(500)}
	require.NoError(t, ok.check())
	err := mountSpec{Lowers: links(501)}.check()
	require.ErrorIs(t, err, graphdriver.ErrNotSupported)
	require.Contains(t, err.Error(), "501 > 500")
	require.Error(t, mountSpec{}.check())
	require.Error(t, mountSpec{Lowers: links(1), Upper: "u"}.check())
}

// TestDataBudgetBoundary protects against moby#41830: mount(2) copies one
// page, so the data plus its trailing NUL must fit: len == page-1 fits,
// len == page does not.
func TestDataBudgetBoundary(t *testing.T) {
	const page = 4096
	require.NoError(t, checkDataBudget(strings.Repeat("x", page-1), 1, page))
	err := checkDataBudget(strings.Repeat("x", page), 1, page)
	require.ErrorIs(t, err, graphdriver.ErrNotSupported)
	require.Contains(t, err.Error(), "4097 bytes")
}

// TestDataBudgetChains: 128 short links of 26+2 bytes, Docker's old
// limit, fit a 4 KiB page with a 64-character id's upper and work; the
// computed maximum fits and one more layer does not.
func TestDataBudgetChains(t *testing.T) {
	const page = 4096
	id := strings.Repeat("f", 64)
	spec := func(n int) mountSpec {
		s := mountSpec{Upper: id + "/diff", Work: id + "/work"}
		for _, l := range links(n) {
			s.Lowers = append(s.Lowers, linkDir+"/"+l)
		}
		return s
	}
	s128 := spec(128)
	require.NoError(t, checkDataBudget(s128.mountData(), 128, page))
	max := legacyDepthFor(page)
	require.GreaterOrEqual(t, max, 128)
	atMax := spec(max)
	require.NoError(t, checkDataBudget(atMax.mountData(), max, page), "%d layers", max)
	over := spec(max + 1)
	err := checkDataBudget(over.mountData(), max+1, page)
	require.ErrorIs(t, err, graphdriver.ErrNotSupported)
	require.Contains(t, err.Error(), fmt.Sprintf("%d layers", max+1))
	require.Contains(t, err.Error(), fmt.Sprintf("at most %d layers", max))
	require.True(t, errors.Is(checkDataBudget(spec(500).mountData(), 500, page), graphdriver.ErrNotSupported))
}
