package drivertest

import (
	"archive/tar"
	"bytes"
	"errors"

	"github.com/layerfs/graphdriver"
)

// checkDiffOps calls each diff operation once on a simple child. A
// backend without diff support skips; the layer-tar half of the suite
// checks what they return.
func checkDiffOps(h *harness) {
	h.createRW("diff-base", "")
	h.write("diff-base",
		CreateFile("kept", []byte("kept\n"), 0o644),
		CreateFile("changed", []byte("old\n"), 0o644),
		CreateFile("deleted", []byte("deleted\n"), 0o644),
	)
	h.createRW("diff-child", "diff-base")
	h.write("diff-child",
		CreateFile("changed", []byte("new\n"), 0o644),
		CreateFile("added", []byte("added\n"), 0o644),
		Remove("deleted"),
	)
	changes, err := h.d.Changes("diff-child", "")
	h.requireDiffOp("Changes", err)
	h.t.Logf("Changes: %v", changes)
	size, err := h.d.DiffSize("diff-child", "")
	h.requireDiffOp("DiffSize", err)
	h.t.Logf("DiffSize: %d", size)

	layerTar := h.diffOf("diff-child", "")
	h.create("diff-applied", "diff-base")
	applied, err := h.d.ApplyDiff("diff-applied", "diff-base", bytes.NewReader(layerTar))
	h.requireDiffOp("ApplyDiff", err)
	h.t.Logf("ApplyDiff: %d bytes", applied)
}

// requireDiffOp skips on ErrNotSupported and stops on any other error.
func (h *harness) requireDiffOp(op string, err error) {
	h.t.Helper()
	if errors.Is(err, graphdriver.ErrNotSupported) {
		h.t.Skipf("%s: diff: not supported: %s: %v", h.d, op, err)
	}
	if err != nil {
		h.t.Fatalf("%s: %v", op, err)
	}
}

// smallTar is a valid one-file layer tar.
func smallTar() []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	content := []byte("from a tar\n")
	hdr := &tar.Header{Name: "from-tar", Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	// Writes to a bytes.Buffer cannot fail.
	_ = tw.WriteHeader(hdr)
	_, _ = tw.Write(content)
	_ = tw.Close()
	return buf.Bytes()
}
