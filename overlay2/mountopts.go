package overlay2

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/layerfs/graphdriver"
)

// This file computes what a mount needs: the lowerdir list, the option
// pairs for fsconfig and the mount(2) data string, and the budget check of
// the latter. It does no syscalls, so its unit tests need no root.

// MaxLowers is the deepest stack of lower layers the kernel mounts
// (OVL_MAX_STACK in fs/overlayfs; 501 fails).
const MaxLowers = 500

// linkLen is the length of a short link name (Docker's: 26 base32-like
// characters), and linkDir the directory of links under the home.
const (
	linkLen = 26
	linkDir = "l"
)

const linkAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newLink returns a random short link name of linkLen characters from
// [A-Z0-9], the form Docker writes in <id>/link.
func newLink() (string, error) {
	var b [linkLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	for i := range b {
		// 256 % 36 = 4: a negligible bias for a name that only must not
		// collide, which the caller checks anyway.
		b[i] = linkAlphabet[int(b[i])%len(linkAlphabet)]
	}
	return string(b[:]), nil
}

// validLink reports whether s has the form of a short link name.
func validLink(s string) bool {
	if len(s) != linkLen {
		return false
	}
	for _, c := range []byte(s) {
		if !strings.ContainsRune(linkAlphabet, rune(c)) {
			return false
		}
	}
	return true
}

// formatLower returns the content of a <id>/lower file for links, nearest
// parent first: "l/A:l/B".
func formatLower(links []string) string {
	parts := make([]string, len(links))
	for i, l := range links {
		parts[i] = linkDir + "/" + l
	}
	return strings.Join(parts, ":")
}

// parseLower returns the link names of a <id>/lower file, nearest first.
func parseLower(content string) ([]string, error) {
	content = strings.TrimSpace(content)
	if content == "" {
		return nil, nil
	}
	var links []string
	for _, part := range strings.Split(content, ":") {
		name, ok := strings.CutPrefix(part, linkDir+"/")
		if !ok || !validLink(name) {
			return nil, fmt.Errorf("lower entry %q: want l/<26 characters [A-Z0-9]>", part)
		}
		links = append(links, name)
	}
	return links, nil
}

// mountSpec is one overlay mount, as data. Lowers are nearest first.
// Without Upper the mount is read-only (a view of a layer with children).
type mountSpec struct {
	Lowers    []string
	Upper     string
	Work      string
	Label     string // SELinux context, "" for none
	UserXattr bool   // user.overlay.* instead of trusted.overlay.* (user namespaces)
}

// fixedOptions returns the options set on every mount. index=on makes a
// lower that is also another mount's upper fail with EBUSY; redirect_dir=on
// and metacopy=on store renamed dirs and copied-up metadata as xattrs that
// a walk of the upper (a native diff, and Docker's) cannot see
// (moby#33733). With userxattr the kernel refuses redirect_dir=off (which
// still follows redirects: "conflicting options: userxattr,
// redirect_dir=follow"), so nofollow is used there: no redirect is created
// either way.
func (s mountSpec) fixedOptions() [][2]string {
	redirect := "off"
	if s.UserXattr {
		redirect = "nofollow"
	}
	return [][2]string{{"index", "off"}, {"redirect_dir", redirect}, {"metacopy", "off"}}
}

// check refuses a spec the kernel would refuse for its depth.
func (s mountSpec) check() error {
	switch {
	case len(s.Lowers) == 0:
		return errors.New("no lower layer")
	case len(s.Lowers) > MaxLowers:
		return fmt.Errorf("lowerdir too deep (%d > %d layers): %w", len(s.Lowers), MaxLowers, graphdriver.ErrNotSupported)
	case (s.Upper == "") != (s.Work == ""):
		return errors.New("upperdir and workdir go together")
	}
	return nil
}

// fsconfigOptions returns the key/value pairs to give fsconfig, in order:
// the fixed options, one "lowerdir+" per lower (nearest first: the first
// one given is the top of the stack), then upper, work, userxattr (value
// "": a flag) and the label.
func (s mountSpec) fsconfigOptions() [][2]string {
	opts := append([][2]string{{"source", "overlay"}}, s.fixedOptions()...)
	for _, l := range s.Lowers {
		opts = append(opts, [2]string{"lowerdir+", l})
	}
	if s.Upper != "" {
		opts = append(opts, [2]string{"upperdir", s.Upper}, [2]string{"workdir", s.Work})
	}
	if s.UserXattr {
		opts = append(opts, [2]string{"userxattr", ""})
	}
	if s.Label != "" {
		opts = append(opts, [2]string{"context", s.Label})
	}
	return opts
}

// mountData returns the mount(2) data string of s. The lowers, upper and
// work are used as given: the caller passes short relative paths
// (l/<link>, <id>/diff) and mounts from the home directory.
func (s mountSpec) mountData() string {
	var b strings.Builder
	for _, kv := range s.fixedOptions() {
		b.WriteString(kv[0] + "=" + kv[1] + ",")
	}
	b.WriteString("lowerdir=" + strings.Join(s.Lowers, ":"))
	if s.Upper != "" {
		b.WriteString(",upperdir=" + s.Upper + ",workdir=" + s.Work)
	}
	if s.UserXattr {
		b.WriteString(",userxattr")
	}
	if s.Label != "" {
		b.WriteString(`,context="` + s.Label + `"`)
	}
	return b.String()
}

// checkDataBudget refuses mount(2) data that does not fit one page with
// its trailing NUL: the kernel copies at most a page and would cut the
// lowerdir list (Docker got this off by one once, moby#41830).
func checkDataBudget(data string, layers, pageSize int) error {
	if need := len(data) + 1; need > pageSize {
		return fmt.Errorf("lowerdir too deep for mount(2) (%d layers: %d bytes of mount data with its NUL > page size %d; "+
			"at most %d layers of this kind fit; Linux >= 6.8 mounts up to %d with the new mount API): %w",
			layers, need, pageSize, maxLegacyLayers(data, layers, pageSize), MaxLowers, graphdriver.ErrNotSupported)
	}
	return nil
}

// maxLegacyLayers estimates how many lowers of the average entry length
// of data (layers of them) fit a page alongside the rest of the options.
func maxLegacyLayers(data string, layers, pageSize int) int {
	_, rest, _ := strings.Cut(data, "lowerdir=")
	list, _, _ := strings.Cut(rest, ",")
	if layers == 0 || len(list) == 0 {
		return 0
	}
	fixed := len(data) - len(list) + 1 // everything else, and the NUL
	entry := (len(list) + 1) / layers  // each entry with its ':' separator
	return (pageSize - fixed + 1) / entry
}

// legacyDepthFor is how many l/<link> lowers fit one page of mount(2)
// data next to an upper and a work dir of a 64-character id (Docker's).
func legacyDepthFor(pageSize int) int {
	id := strings.Repeat("f", 64)
	spec := mountSpec{Lowers: []string{linkDir + "/" + strings.Repeat("A", linkLen)},
		Upper: id + "/diff", Work: id + "/work"}
	return maxLegacyLayers(spec.mountData(), 1, pageSize)
}
