package archive

import (
	"archive/tar"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	graphdriver "github.com/layerfs/graphdriver"
)

// Small regular files are finished off the main goroutine. The main
// goroutine reads the tar, resolves and checks every name, and creates
// each file (openat O_EXCL|O_NOFOLLOW, so everything about where the file
// lands is decided there, in tar order); it then hands the descriptor and
// the content, read into memory, to a worker, which writes the content
// and sets owner, mode, xattrs and times, all through that descriptor and
// never by name. Nothing a later entry does can redirect that work: a
// duplicate that replaces the name leaves the worker writing an inode
// that is no longer there (as a sequential Apply would have), and a
// hardlink to the name shares the inode the worker finishes. Parsing the
// tar and the kernel's work on files then run on two cores.

// asyncFileMax is the largest file handed to a worker; bigger ones stream
// through the main goroutine, so memory stays bounded: at most
// asyncQueue+workers buffers of this size are in flight.
const (
	asyncFileMax = 256 << 10
	asyncQueue   = 16
)

var asyncBufPool = sync.Pool{New: func() any { b := make([]byte, asyncFileMax); return &b }}

// fileJob is a regular file created by the main goroutine, for a worker
// to fill in and close.
type fileJob struct {
	seq  int // entry number: the earliest failure is the one reported
	fd   int
	path string
	hdr  *tar.Header
	xs   []xattr
	buf  *[]byte // pooled; content is (*buf)[:hdr.Size]
}

// fileWorkers runs the workers and keeps the first failure.
type fileWorkers struct {
	jobs   chan fileJob
	wg     sync.WaitGroup
	failed atomic.Bool
	mu     sync.Mutex
	err    error
	errSeq int
}

// asyncWorkers is how many workers an Apply runs: one per spare CPU, and
// none on a single CPU, where handing files over only adds work.
func asyncWorkers() int { return min(runtime.GOMAXPROCS(0), 2) }

func (a *applier) startWorkers() {
	n := asyncWorkers()
	if n <= 0 {
		return
	}
	w := &fileWorkers{jobs: make(chan fileJob, asyncQueue)}
	for range n {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for j := range w.jobs {
				if err := a.finishFile(j); err != nil {
					w.fail(j.seq, entryErr(j.hdr.Name, err))
				}
			}
		}()
	}
	a.workers = w
}

func (w *fileWorkers) fail(seq int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil || seq < w.errSeq {
		w.err, w.errSeq = err, seq
	}
	w.failed.Store(true)
}

// stop waits for the queued files and returns the first failure. Every
// job queued before it is finished or failed, and its descriptor closed.
func (a *applier) stopWorkers() error {
	w := a.workers
	if w == nil {
		return nil
	}
	a.workers = nil
	close(w.jobs)
	w.wg.Wait()
	return w.err
}

// workerFailed reports whether a worker failed: the main goroutine then
// stops reading the tar.
func (a *applier) workerFailed() bool { return a.workers != nil && a.workers.failed.Load() }

// canHandOff reports whether the regular file entry e goes to a worker.
func (a *applier) canHandOff(e *newEntry) bool {
	return a.workers != nil && e.hdr.Size <= asyncFileMax && !isSparse(e.hdr)
}

// handOff reads the content of the file just created as fd and queues
// the rest for a worker. It owns fd from here on.
func (a *applier) handOff(fd int, e *newEntry) error {
	buf := asyncBufPool.Get().(*[]byte)
	n, err := io.ReadFull(a.tr, (*buf)[:e.hdr.Size])
	a.written += int64(n)
	if err != nil {
		asyncBufPool.Put(buf)
		unix.Close(fd)
		if err == io.EOF || isFormatError(err) {
			return fmt.Errorf("read content: %w: %w", err, graphdriver.ErrInvalidLayer)
		}
		return fmt.Errorf("read content: %w", err)
	}
	a.workers.jobs <- fileJob{seq: a.entries, fd: fd, path: e.path, hdr: e.hdr, xs: e.xattrs, buf: buf}
	return nil
}

// finishFile is a worker's part: content, then owner, mode, xattrs and
// times, through the descriptor, which it closes.
func (a *applier) finishFile(j fileJob) error {
	defer unix.Close(j.fd)
	_, err := fdWriter(j.fd).Write((*j.buf)[:j.hdr.Size])
	asyncBufPool.Put(j.buf)
	if err != nil {
		return fmt.Errorf("write content: %w", err)
	}
	return a.setFileMeta(j.fd, j.path, j.hdr, j.xs)
}
