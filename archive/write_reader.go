package archive

import (
	"bufio"
	"errors"
	"io"
)

// errReaderClosed is what the writer goroutine of NewReader sees once the
// reader is closed.
var errReaderClosed = errors.New("archive: layer tar reader closed")

// NewReader returns the layer tar that Write(w, root, entries, opts) would
// write, produced by a goroutine as it is read. A Write error comes out of
// Read after the bytes written before it. Close stops the goroutine and
// waits for it, so once Close returns no file under root is open any
// more; Close before EOF is how to abandon the tar. entries must not
// change until the reader is closed or at EOF.
func NewReader(root string, entries []Entry, opts *WriteOptions) io.ReadCloser {
	pr, pw := io.Pipe()
	r := &pipeReader{pr: pr, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		// A buffer turns the tar writer's many small writes into few
		// hand-offs through the pipe.
		bw := bufio.NewWriterSize(pw, 64<<10)
		err := Write(bw, root, entries, opts)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err) // nil: EOF
	}()
	return r
}

type pipeReader struct {
	pr *io.PipeReader
	// done is closed when the writer goroutine has returned.
	done chan struct{}
}

func (r *pipeReader) Read(p []byte) (int, error) { return r.pr.Read(p) }

// Close stops the writer and waits for it. It always returns nil and may
// be called more than once.
func (r *pipeReader) Close() error {
	r.pr.CloseWithError(errReaderClosed)
	<-r.done
	return nil
}
