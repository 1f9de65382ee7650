package layers

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/layerfs/graphdriver"
)

// ValidateCreate checks the arguments of a Create: valid ids, and storage
// options the backend knows. A backend without quota passes the reason
// as noQuota, and a "size" option is then ErrNotSupported saying it;
// any other key is an error naming it.
func ValidateCreate(backend, id, parent string, opts *graphdriver.CreateOpts, noQuota string) error {
	if err := graphdriver.ValidateID(id); err != nil {
		return fmt.Errorf("%s: create: %w", backend, err)
	}
	if parent != "" {
		if err := graphdriver.ValidateID(parent); err != nil {
			return fmt.Errorf("%s: create %s: parent: %w", backend, id, err)
		}
	}
	if opts == nil {
		return nil
	}
	for key := range opts.StorageOpt {
		if key == "size" {
			return fmt.Errorf("%s: create %s: storage option size: %w: %s", backend, id, graphdriver.ErrNotSupported, noQuota)
		}
		return fmt.Errorf("%s: create %s: unknown storage option %q", backend, id, key)
	}
	return nil
}

// ReleaseOnClose returns rc with release called once, after rc's own
// Close: how a Diff reader gives back the layers it held.
func ReleaseOnClose(rc io.ReadCloser, release func() error) io.ReadCloser {
	return &releasingReader{ReadCloser: rc, release: release}
}

type releasingReader struct {
	io.ReadCloser
	once    sync.Once
	release func() error
}

func (r *releasingReader) Close() error {
	err := r.ReadCloser.Close()
	r.once.Do(func() { err = errors.Join(err, r.release()) })
	return err
}
