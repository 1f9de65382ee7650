package aufs

import (
	"fmt"
	"strings"

	"github.com/layerfs/graphdriver"
)

// Top-level directories of the home, as Docker's aufs driver has them,
// plus work/, the mount program's scratch space.
const (
	diffName   = "diff"
	layersName = "layers"
	mntName    = "mnt"
	workName   = "work"
)

// removingSuffix marks a layer being removed, as Docker's aufs driver
// names them: diff/<id>-removing, mnt/<id>-removing.
const removingSuffix = "-removing"

// tmpPrefix marks a layer being created (ids cannot start with '.').
const tmpPrefix = ".tmp-"

// formatLayers returns the content of a layers/<id> file: the ancestors'
// ids, nearest first, one per line, as Docker's aufs driver writes it
// (empty for a base layer).
func formatLayers(ancestors []string) string {
	var b strings.Builder
	for _, id := range ancestors {
		b.WriteString(id)
		b.WriteByte('\n')
	}
	return b.String()
}

// parseLayers reads a layers/<id> file. Blank lines and surrounding
// spaces are tolerated; an invalid id is an error wrapping
// graphdriver.ErrInvalidLayer.
func parseLayers(content string) ([]string, error) {
	var ids []string
	for _, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := graphdriver.ValidateID(line); err != nil {
			return nil, fmt.Errorf("%w: layers file names %q: %w", graphdriver.ErrInvalidLayer, line, err)
		}
		ids = append(ids, line)
	}
	return ids, nil
}

// leftover reports whether the entry name of the home's directory sub is
// what a crash left behind.
func leftover(sub, name string, hasDiff func(string) bool) bool {
	switch {
	case sub == workName:
		return true
	case strings.HasPrefix(name, tmpPrefix) || strings.HasSuffix(name, removingSuffix):
		return true
	case sub == layersName:
		return graphdriver.ValidateID(name) == nil && !hasDiff(name)
	}
	return false
}
