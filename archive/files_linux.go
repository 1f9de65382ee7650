package archive

import (
	"archive/tar"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	graphdriver "github.com/layerfs/graphdriver"
	"golang.org/x/sys/unix"
)

// Regular files are finished off the main goroutine. The main goroutine
// reads the tar, resolves and checks every name, and creates each file
// (openat O_EXCL|O_NOFOLLOW, so everything about where the file lands is
// decided there, in tar order); it then hands the descriptor and the
// content, read into memory, to the workers, which write the content and
// set owner, mode, xattrs and times, all through that descriptor and
// never by name. Nothing a later entry does can redirect that work: a
// duplicate that replaces the name leaves the workers writing an inode
// that is no longer there (as a sequential Apply would have), and a
// hardlink to the name shares the inode they finish. Parsing the tar and
// the kernel's work on files then run on two cores.
//
// Content goes over in batches: successive files, or pieces of a big
// one, packed into one arena, so that a worker wakes once per batch
// rather than once per file (a wake-up costs about what writing a small
// file does). Pieces of one file may be written by two workers at once
// (pwrite at their offsets); the last piece to finish sets the metadata
// and closes the descriptor.
const (
	batchArena     = 1 << 20 // content bytes per batch
	batchMaxPieces = 64
	batchesQueued  = 2 // batches waiting for a worker
	maxFileWorkers = 2
)

// Memory in flight is bounded: at most batchesQueued+workers+1 arenas.
var arenaPool = sync.Pool{New: func() any { b := make([]byte, batchArena); return &b }}

// pendingFile is a regular file created by the main goroutine, until the
// workers have written it.
type pendingFile struct {
	seq  int // entry number: the earliest failure is the one reported
	fd   int
	path string
	hdr  *tar.Header
	xs   []xattr
	// refs counts the pieces not yet written, plus one the main goroutine
	// holds until it has queued the last piece; whoever drops it to zero
	// finishes the file.
	refs atomic.Int32
	// abandoned: the main goroutine could not read all of the content;
	// the file is closed without its metadata (Apply fails anyway).
	abandoned atomic.Bool
}

// piece is content of f at fileOff, held in the batch's arena.
type piece struct {
	f        *pendingFile
	fileOff  int64
	off, end int
	last     bool // carries the main goroutine's reference
}

// fileBatch is pieces handed over together, their content in arena.
type fileBatch struct {
	arena  *[]byte
	used   int
	pieces []piece
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
				for _, p := range b.pieces {
					if err := a.writePiece(p, (*b.arena)[p.off:p.end]); err != nil {
						w.fail(p.f.seq, entryErr(p.f.hdr.Name, err))
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

// send queues the batch being filled, if it holds anything.
func (w *fileWorkers) send() {
	if b := w.filling; b != nil && len(b.pieces) > 0 {
		w.batches <- b
		w.filling = nil
	}
}

// space returns the batch being filled, sending a full one first.
func (w *fileWorkers) space() *fileBatch {
	if b := w.filling; b != nil && (b.used == len(*b.arena) || len(b.pieces) == batchMaxPieces) {
		w.send()
	}
	if w.filling == nil {
		w.filling = &fileBatch{arena: arenaPool.Get().(*[]byte), pieces: make([]piece, 0, batchMaxPieces)}
	}
	return w.filling
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

// canHandOff reports whether the regular file entry e goes to the
// workers: all do but sparse ones, whose holes are found as they are
// read.
func (a *applier) canHandOff(e *newEntry) bool { return a.workers != nil && !isSparse(e.hdr) }

// handOff reads the content of the file just created as fd into batches,
// piece by piece. It owns fd from here on.
func (a *applier) handOff(fd int, e *newEntry) error {
	w := a.workers
	f := &pendingFile{seq: a.entries, fd: fd, path: e.path, hdr: e.hdr, xs: e.xattrs}
	f.refs.Store(1)
	var fileOff int64
	for {
		b := w.space()
		n := int(min(e.hdr.Size-fileOff, int64(len(*b.arena)-b.used)))
		got, err := io.ReadFull(a.tr, (*b.arena)[b.used:b.used+n])
		a.written += int64(got)
		if err != nil {
			f.abandoned.Store(true)
			if f.refs.Add(-1) == 0 {
				unix.Close(fd)
			}
			if err == io.EOF || isFormatError(err) {
				return fmt.Errorf("read content: %w: %w", err, graphdriver.ErrInvalidLayer)
			}
			return fmt.Errorf("read content: %w", err)
		}
		last := fileOff+int64(n) == e.hdr.Size
		f.refs.Add(1)
		b.pieces = append(b.pieces, piece{f: f, fileOff: fileOff, off: b.used, end: b.used + n, last: last})
		b.used += n
		fileOff += int64(n)
		if last {
			return nil
		}
	}
}

// writePiece is a worker's part: the piece's content, and, for whoever
// finishes the file, owner, mode, xattrs and times through the
// descriptor, which it then closes.
func (a *applier) writePiece(p piece, content []byte) error {
	err := pwriteAll(p.f.fd, content, p.fileOff)
	if err != nil {
		err = fmt.Errorf("write content: %w", err)
	}
	drop := int32(1)
	if p.last {
		drop = 2
	}
	if p.f.refs.Add(-drop) != 0 {
		return err
	}
	if err == nil && !p.f.abandoned.Load() {
		err = a.setFileMeta(p.f.fd, p.f.path, p.f.hdr, p.f.xs)
	}
	unix.Close(p.f.fd)
	return err
}
