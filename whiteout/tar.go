package whiteout

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"

	graphdriver "github.com/layerfs/graphdriver"
)

// ConvertTar copies the layer tar src to dst with its whiteouts and opaque
// directories converted from the form from to the form to, and writes the
// end of the archive. Every other entry goes out unchanged, body included,
// except that overlay-internal xattrs (trusted.overlay.*, user.overlay.*,
// as SCHILY.xattr or LIBARCHIVE.xattr records) are always dropped, the
// opaque xattr of an overlay form coming back only where a directory is
// opaque, and that sparse files come out dense (archive/tar cannot write
// them sparse; cap dst when converting untrusted tars). Whiteouts always
// come out as Header builds them: never as hardlinks, always the same
// bytes. Errors name the entry; a malformed or hostile tar gives an error
// wrapping graphdriver.ErrInvalidLayer.
//
// Reading the AUFS form: ".wh.x" (a regular file, or a hardlink: aufs
// makes whiteouts as hardlinks of one inode) deletes x; "d/.wh..wh..opq"
// makes d opaque wherever it stands among d's entries; the AUFS metadata
// at the root (".wh..wh.plnk" and the rest, with what is under them) is
// dropped. A whiteout hides lower layers only (OCI layer.md), so a
// whiteout of a directory this tar lists, before or after it, makes that
// directory opaque instead. Rejected: malformed whiteout names (see
// Target), whiteouts or markers of another type, AUFS metadata below the
// root, paths through whiteout-named directories, hardlinks to whiteouts
// or into AUFS metadata.
//
// Reading an overlay form: a char device 0/0 x deletes x, and so does a
// hardlink to a path this tar deleted (two deleted files of an overlay
// upper can be hardlinks of one 0/0 inode); a directory whose header
// carries the format's opaque xattr set to "y" is opaque (the other
// overlay form's xattr means nothing). Rejected, as the AUFS form cannot
// say them: a whiteout of a directory listed before it, and a directory
// without the opaque xattr listed after its own whiteout.
//
// Writing the AUFS form: a whiteout becomes Header("dir/.wh.x", AUFS); an
// opaque directory is followed by Header("d/.wh..wh..opq", AUFS). A name
// or hardlink target with an element starting with ".wh." would read
// back as a whiteout and is rejected.
//
// Writing an overlay form: a whiteout becomes Header("x", to), a char
// 0/0, so what the overlay form would misread as a whiteout is rejected:
// a char device 0/0 that is not one, a hardlink to a deleted path. An opaque
// directory's header carries the xattr. A marker right after its
// directory's header (as in the tars archive writes) merges into it. A
// marker that comes later makes ConvertTar write the directory's last
// header again, with the xattr: appliers keep the last header of a path,
// and the copy has the same metadata. A marker whose directory has no
// header yet gets a directory header of its own (mode 0755, uid 0, epoch
// time). Every later header of an opaque directory carries the xattr.
//
// ConvertTar streams: it holds back one directory header at most, and its
// memory grows with the number of directories and whiteouts in the tar,
// never with file contents. It keeps no set of all paths, so a whiteout
// listed after a non-directory of the same path is written as it is; the
// AUFS form then keeps that entry and the overlay form deletes it. archive
// never writes such tars: it puts whiteouts before their siblings.
func ConvertTar(dst io.Writer, src io.Reader, from, to Format) error {
	if err := errors.Join(from.check(), to.check()); err != nil {
		return err
	}
	c := &converter{
		from:      from,
		to:        to,
		tr:        tar.NewReader(src),
		tw:        tar.NewWriter(dst),
		dirs:      make(map[string]*tar.Header),
		whiteouts: make(map[string]struct{}),
		opaque:    make(map[string]struct{}),
	}
	if err := c.run(); err != nil {
		return fmt.Errorf("whiteout: convert tar from %s to %s: %w", from, to, err)
	}
	return nil
}

// eventKind says what a tar entry means once its form is known.
type eventKind int

const (
	evEntry    eventKind = iota // an ordinary entry, to copy
	evWhiteout                  // key is deleted
	evOpaque                    // key is an opaque directory
)

type event struct {
	kind eventKind
	hdr  *tar.Header // evEntry only
	key  string      // see key()
}

// converter is the state of one ConvertTar: decoding turns each entry of
// the from form into events, encoding writes events in the to form.
type converter struct {
	from, to Format
	tr       *tar.Reader
	tw       *tar.Writer

	// dirs holds the last header written for every directory, by key, so
	// that a late opaque marker can repeat it with the xattr.
	dirs map[string]*tar.Header
	// whiteouts holds the keys decoded as whiteouts and not listed again
	// since.
	whiteouts map[string]struct{}
	// opaque holds the directories made opaque (overlay encoding).
	opaque map[string]struct{}
	// pending is a directory header held back so that an opaque marker
	// right after it merges into it (overlay encoding).
	pending *tar.Header
}

func (c *converter) run() error {
	for {
		hdr, err := c.tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return streamError("read", err)
		}
		if err := c.entry(hdr); err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
	}
	if err := c.flush(); err != nil {
		return err
	}
	return c.tw.Close()
}

// streamError marks the errors of a malformed or truncated tar as an
// invalid layer; other errors (of the reader or writer under it) stay as
// they are.
func streamError(op string, err error) error {
	if errors.Is(err, tar.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: %w: %w", op, graphdriver.ErrInvalidLayer, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (c *converter) entry(hdr *tar.Header) error {
	if hdr.Typeflag == tar.TypeGNUSparse {
		// The reader expands old GNU sparse files; Go's writer cannot write
		// them sparse again.
		hdr.Typeflag = tar.TypeReg
	}
	// A hardlink to itself names no file: it would read back as whatever
	// the path held before (a whiteout, in either form).
	if hdr.Typeflag == tar.TypeLink && key(hdr.Linkname) == key(hdr.Name) {
		return invalid("hardlink %q to itself", hdr.Linkname)
	}
	var events []event
	var err error
	if c.from == AUFS {
		events, err = c.decodeAUFS(hdr)
	} else {
		events, err = c.decodeOverlay(hdr)
	}
	if err != nil {
		return err
	}
	for _, ev := range events {
		if c.to == AUFS {
			err = c.encodeAUFS(ev)
		} else {
			err = c.encodeOverlay(ev)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ordinary records an entry that is neither whiteout nor marker: it ends
// any earlier whiteout of its path, and a directory is remembered.
func (c *converter) ordinary(hdr *tar.Header, k string) event {
	delete(c.whiteouts, k)
	if hdr.Typeflag == tar.TypeDir {
		c.dirs[k] = hdr
	} else {
		delete(c.dirs, k)
	}
	return event{kind: evEntry, hdr: hdr, key: k}
}

// write writes hdr and, for entries with a body, copies the body.
func (c *converter) write(hdr *tar.Header, body bool) error {
	if err := c.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if !body {
		return nil
	}
	if _, err := io.Copy(c.tw, c.tr); err != nil {
		return streamError("copy body", err)
	}
	return nil
}

// flush writes the held-back directory header, if any.
func (c *converter) flush() error {
	if c.pending == nil {
		return nil
	}
	hdr := c.pending
	c.pending = nil
	return c.write(hdr, false)
}
