package graphdriver

import (
	"errors"
	"fmt"
	"regexp"
)

// Sentinel errors. Backends wrap them with context (backend, operation, id,
// path), so callers test them with errors.Is.
var (
	// ErrNotFound: the layer (or its parent) does not exist.
	ErrNotFound = errors.New("layer not found")
	// ErrExists: the id is taken.
	ErrExists = errors.New("layer already exists")
	// ErrBusy: the layer is held by Get and cannot be removed.
	ErrBusy = errors.New("layer is in use")
	// ErrHasChildren: other layers are built on this one.
	ErrHasChildren = errors.New("layer has children")
	// ErrInvalidID: the id is not of the form [A-Za-z0-9][A-Za-z0-9_.-]*,
	// at most 128 bytes.
	ErrInvalidID = errors.New("invalid layer id")
	// ErrNotSupported: the backend cannot do this here; the wrapping error
	// says why.
	ErrNotSupported = errors.New("not supported")
	// ErrInvalidLayer: a layer tar or an on-disk layer is malformed or
	// hostile; the wrapping error names the entry.
	ErrInvalidLayer = errors.New("invalid layer")
	// ErrNotMounted: Put without a matching Get.
	ErrNotMounted = errors.New("layer is not mounted")
)

// MaxIDLength is the longest valid layer id, in bytes.
const MaxIDLength = 128

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// ValidateID returns nil when id is a valid layer id and an error wrapping
// ErrInvalidID otherwise. Valid ids cannot name "." or "..", hold a path
// separator or be empty, so they are safe to join to a directory.
func ValidateID(id string) error {
	if len(id) > MaxIDLength {
		return fmt.Errorf("%w: %d bytes (at most %d)", ErrInvalidID, len(id), MaxIDLength)
	}
	if !idPattern.MatchString(id) {
		return fmt.Errorf("%w: %q (want [A-Za-z0-9][A-Za-z0-9_.-]*)", ErrInvalidID, id)
	}
	return nil
}
