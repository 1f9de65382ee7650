//go:build linux

package archive

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	graphdriver "github.com/layerfs/graphdriver"
)

// A file that fails in a worker (here: an ACL xattr the kernel refuses,
// EINVAL for any user) fails Apply with an error naming that entry, the
// earliest one when several fail, and Apply stops reading the tar soon
// after: not every later entry is made.
func TestApplyWorkerFailureNamesEntry(t *testing.T) {
	if asyncWorkers() == 0 {
		t.Skip("one CPU: Apply runs no workers")
	}
	b := newHbox(t)
	bad := func(name string) hent {
		return hReg(name, "x").xattr("system.posix_acl_access", "not an acl")
	}
	ents := []hent{hReg("ok-1", "a"), bad("bad-1"), bad("bad-2")}
	for i := range 2000 {
		ents = append(ents, hReg(filepath.Join("later", strings.Repeat("f", 1+i%50)+string(rune('a'+i%26))+itoa(i)), "y"))
	}
	_, err := Apply(b.root, bytes.NewReader(b.tarOf(t, ents)), &ApplyOptions{})
	if err == nil {
		t.Fatal("Apply accepted a file whose xattr the kernel refuses")
	}
	if !strings.Contains(err.Error(), `entry "bad-1"`) || !strings.Contains(err.Error(), "system.posix_acl_access") {
		t.Errorf("error %q does not name the first failing entry and its xattr", err)
	}
	if errors.Is(err, graphdriver.ErrInvalidLayer) {
		t.Errorf("a kernel refusal reported as an invalid layer: %v", err)
	}
	names, _ := os.ReadDir(filepath.Join(b.root, "later"))
	if len(names) == 2000 {
		t.Errorf("Apply went on to the end of the tar after a worker failed")
	}
}

// Files handed to workers come out as made in line: content, mode with
// setuid and xattrs, through a duplicate that replaces a file still being
// written, a hardlink to it, and a file written in pieces.
func TestApplyWorkerOrdering(t *testing.T) {
	b := newHbox(t)
	big := strings.Repeat("b", 2*batchArena+123) // in pieces over three batches
	ents := []hent{
		hReg("dup", "first"),
		hLink("link-to-first", "dup"),
		hReg("dup", "second").mode(0o4755),
		hReg("big", big),
		hReg("x", "x").xattr("user.k", "v"),
	}
	if _, err := Apply(b.root, bytes.NewReader(b.tarOf(t, ents)), &ApplyOptions{IgnoreChownErrors: true}); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(b.root, name))
		must(t, err)
		return string(data)
	}
	if got := read("dup"); got != "second" {
		t.Errorf("dup = %q, want the last entry's content", got)
	}
	if got := read("link-to-first"); got != "first" {
		t.Errorf("link-to-first = %q, want the first entry's content", got)
	}
	if got := read("big"); got != big {
		t.Errorf("big: %d bytes, want %d", len(got), len(big))
	}
	st, err := os.Stat(filepath.Join(b.root, "dup"))
	must(t, err)
	if st.Mode()&os.ModeSetuid == 0 || st.Mode().Perm() != 0o755 {
		t.Errorf("dup mode %v, want setuid 0755", st.Mode())
	}
	xs, err := xattrsOf(filepath.Join(b.root, "x"))
	must(t, err)
	if xs["user.k"] != "v" {
		t.Errorf("x xattrs %v, want user.k=v", xs)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// A tar cut short inside a file that goes over in pieces fails as an
// invalid layer, and every descriptor Apply opened is closed.
func TestApplyTruncatedInPieces(t *testing.T) {
	b := newHbox(t)
	data := b.tarOf(t, []hent{hReg("small", "s"), hReg("big", strings.Repeat("b", 3*batchArena))})
	cut := data[:len(data)-1024-batchArena] // end blocks and the last MiB gone
	before := openFDs(t)
	_, err := Apply(b.root, bytes.NewReader(cut), &ApplyOptions{})
	if !errors.Is(err, graphdriver.ErrInvalidLayer) || !strings.Contains(err.Error(), `"big"`) {
		t.Fatalf("Apply of a cut tar: %v; want an invalid layer error naming big", err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d descriptors open after Apply, %d before", after, before)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	names, err := os.ReadDir("/proc/self/fd")
	must(t, err)
	return len(names)
}
