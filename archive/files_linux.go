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
//
// Files go over in batches, the content of successive small files packed
// into one arena, so that a worker wakes once per batch rather than once
// per file: a wake-up costs about what writing a small file does.
const (
	asyncFileMax   = 256 << 10 // bigger files stream through the main goroutine
	batchArena     = 1 << 20   // content bytes per batch
	batchMaxFiles  = 64
	batchesQueued  = 2 // batches waiting for a worker
	maxFileWorkers = 2
)

// Memory in flight is bounded: at most batchesQueued+workers+1 arenas.
var arenaPool = sync.Pool{New: func() any { b := make([]byte, batchArena); return &b }}

// fileJob is a regular file created by the main goroutine, for a worker
// to fill in and close.
type fileJob struct {
	seq      int // entry number: the earliest failure is the one reported
	fd       int
	path     string
	hdr      *tar.Header
	xs       []xattr
	off, end int // content in the batch's arena
}

// fileBatch is files handed over together, their content in arena.
type fileBatch struct {
	arena *[]byte
	used  int
	jobs  []fileJob
}

// fileWorkers runs the workers and keeps the first failure.
type fileWorkers struct {
	batches chan *fileBatch
	filling *fileBatch // the main goroutine's batch being filled
	wg      sync.WaitGroup
	failed  atomic.Bool
	mu      sync.Mutex
	err     error
	errSeq  int
}

// asyncWorkers is how many workers an Apply runs: up to one per CPU (the
// main goroutine waits on reads and on the kernel much of the time), and
// none on a single CPU, where handing files over only adds work.
func asyncWorkers() int {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return min(n, maxFileWorkers)
	}
	return 0
}

func (a *applier) startWorkers() {
	n := asyncWorkers()
	if n <= 0 {
		return
	}
	w := &fileWorkers{batches: make(chan *fileBatch, batchesQueued)}
	for range n {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for b := range w.batches {
				for _, j := range b.jobs {
					if err := a.finishFile(j, (*b.arena)[j.off:j.end]); err != nil {
						w.fail(j.seq, entryErr(j.hdr.Name, err))
					}
				}
				arenaPool.Put(b.arena)
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

// send queues the batch being filled, if it holds any file.
func (w *fileWorkers) send() {
	if b := w.filling; b != nil && len(b.jobs) > 0 {
		w.batches <- b
		w.filling = nil
	}
}

// stopWorkers hands over the last batch, waits for every file, and
// returns the first failure. Every file handed over is finished or
// failed, and its descriptor closed.
func (a *applier) stopWorkers() error {
	w := a.workers
	if w == nil {
		return nil
	}
	a.workers = nil
	w.send()
	close(w.batches)
	w.wg.Wait()
	if w.filling != nil {
		arenaPool.Put(w.filling.arena)
	}
	return w.err
}

// workerFailed reports whether a worker failed: the main goroutine then
// stops reading the tar.
func (a *applier) workerFailed() bool { return a.workers != nil && a.workers.failed.Load() }

// canHandOff reports whether the regular file entry e goes to a worker.
func (a *applier) canHandOff(e *newEntry) bool {
	return a.workers != nil && e.hdr.Size <= asyncFileMax && !isSparse(e.hdr)
}

// handOff reads the content of the file just created as fd into the
// batch being filled and adds the file to it, sending the batch first if
// it is full. It owns fd from here on.
func (a *applier) handOff(fd int, e *newEntry) error {
	w := a.workers
	size := int(e.hdr.Size)
	if b := w.filling; b != nil && (b.used+size > len(*b.arena) || len(b.jobs) == batchMaxFiles) {
		w.send()
	}
	if w.filling == nil {
		w.filling = &fileBatch{arena: arenaPool.Get().(*[]byte), jobs: make([]fileJob, 0, batchMaxFiles)}
	}
	b := w.filling
	n, err := io.ReadFull(a.tr, (*b.arena)[b.used:b.used+size])
	a.written += int64(n)
	if err != nil {
		unix.Close(fd)
		if err == io.EOF || isFormatError(err) {
			return fmt.Errorf("read content: %w: %w", err, graphdriver.ErrInvalidLayer)
		}
		return fmt.Errorf("read content: %w", err)
	}
	b.jobs = append(b.jobs, fileJob{seq: a.entries, fd: fd, path: e.path, hdr: e.hdr, xs: e.xattrs, off: b.used, end: b.used + size})
	b.used += size
	return nil
}

// finishFile is a worker's part: content, then owner, mode, xattrs and
// times, through the descriptor, which it closes.
func (a *applier) finishFile(j fileJob, content []byte) error {
	defer unix.Close(j.fd)
	if _, err := fdWriter(j.fd).Write(content); err != nil {
		return fmt.Errorf("write content: %w", err)
	}
	return a.setFileMeta(j.fd, j.path, j.hdr, j.xs)
}
