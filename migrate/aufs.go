package migrate

import (
	"errors"
	"fmt"

	"github.com/layerfs/graphdriver"
	"github.com/layerfs/graphdriver/aufs"
	"github.com/layerfs/graphdriver/overlay2"
)

// AufsToOverlay2 copies every layer of the aufs store at aufsHome into
// the overlay2 store at overlayHome (created if needed), keeping ids,
// and checks each layer's Diff is byte-identical in both (see Copy).
// aufsOptions are the aufs store's options: on a kernel without aufs,
// "aufs.mount_program=fuse-overlayfs". The aufs store's layers are only
// read: their views are mounted, and a diff dir changes only where a
// mount program left marks of its own, which its driver normalizes.
func AufsToOverlay2(aufsHome, overlayHome string, aufsOptions []string) (_ []Copied, retErr error) {
	src, err := aufs.New(aufsHome, aufsOptions, graphdriver.IDMap{})
	if err != nil {
		return nil, err
	}
	defer func() { retErr = errors.Join(retErr, src.Cleanup()) }()
	dst, err := overlay2.New(overlayHome, nil, graphdriver.IDMap{})
	if err != nil {
		return nil, err
	}
	defer func() { retErr = errors.Join(retErr, dst.Cleanup()) }()
	var layers []Layer
	for id, parent := range src.Layers() {
		if dst.Exists(id) {
			return nil, fmt.Errorf("migrate: layer %s is in %s already: %w", id, overlayHome, graphdriver.ErrExists)
		}
		layers = append(layers, Layer{ID: id, Parent: parent})
	}
	return Copy(dst, src, layers)
}
