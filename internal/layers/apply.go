package layers

import (
	"errors"
	"fmt"
	"io"

	"github.com/layerfs/graphdriver/archive"
)

// Applier is the ApplyDiff every backend shares: check the id, take its
// lock, look the layer up and check the parent given, unpack the tar
// safely (archive.Apply) into a staging place, publish it into the
// layer, and on any failure after the look-up remove the layer, so that
// a rejected tar leaves no layer behind and the error names the entry.
// A backend says where the stage is and how it is published.
type Applier[M any] struct {
	Store *Store[M]
	// AnyParent, if set, reports that layer l accepts whatever parent
	// the caller names (a layer whose parent is unknown: one imported
	// without metadata).
	AnyParent func(l Layer[M]) bool
	// Check, if set, refuses a layer that cannot take a tar now; its
	// error is returned as it is and the layer is kept.
	Check func(id string, l Layer[M]) error
	// Prepare makes the stage to unpack into and the options to unpack
	// with (the whiteout form, the id map, the lower view hardlinks to
	// files of lower layers resolve in); done releases what it took.
	Prepare func(id string, l Layer[M]) (stage string, opts *archive.ApplyOptions, done func() error, err error)
	// Publish makes the unpacked stage the layer's content; nil when
	// Prepare's stage is the layer's own directory.
	Publish func(id string, l Layer[M], stage string) error
	// RemoveLocked removes the layer after a failure; id's lock is held.
	RemoveLocked func(id string) error
}

// Apply unpacks the layer tar diff into layer id, whose parent is
// parent ("" or id's own), and returns the bytes of file content it
// carried.
func (a *Applier[M]) Apply(id, parent string, diff io.Reader) (size int64, err error) {
	err = a.Store.Locked("apply diff", id, func() (err error) {
		size, err = a.applyLocked(id, parent, diff)
		return err
	})
	return size, err
}

// applyLocked is Apply with id's lock held.
func (a *Applier[M]) applyLocked(id, parent string, diff io.Reader) (size int64, retErr error) {
	backend := a.Store.Backend
	l, err := a.Store.Table.LookupForApply(id, parent, a.AnyParent)
	if err != nil {
		return 0, err
	}
	if a.Check != nil {
		if err := a.Check(id, l); err != nil {
			return 0, err
		}
	}
	defer func() {
		if retErr != nil {
			retErr = errors.Join(fmt.Errorf("%s: apply diff %s: %w", backend, id, retErr), a.RemoveLocked(id))
		}
	}()
	stage, opts, done, err := a.Prepare(id, l)
	if err != nil {
		return 0, err
	}
	defer func() { retErr = errors.Join(retErr, done()) }()
	if size, err = archive.Apply(stage, diff, opts); err != nil {
		return 0, err
	}
	if a.Publish != nil {
		err = a.Publish(id, l, stage)
	}
	return size, err
}

// A Mounter gives merged views by reference, as graphdriver.Driver's Get
// and Put do.
type Mounter interface {
	Get(id, mountLabel string) (dir string, err error)
	Put(id string) error
}

// IntoDir is Prepare for a backend that unpacks straight into a
// directory of the layer (dir gives it): the options are opts, with the
// parent's merged view, held through m for the duration, as the lower
// view.
func IntoDir[M any](m Mounter, dir func(id string) string, opts func() archive.ApplyOptions) func(string, Layer[M]) (string, *archive.ApplyOptions, func() error, error) {
	return func(id string, l Layer[M]) (string, *archive.ApplyOptions, func() error, error) {
		o := opts()
		if l.Parent == "" {
			return dir(id), &o, func() error { return nil }, nil
		}
		lower, err := m.Get(l.Parent, "")
		if err != nil {
			return "", nil, nil, err
		}
		o.Lower = archive.LowerIn(lower)
		return dir(id), &o, func() error { return m.Put(l.Parent) }, nil
	}
}
