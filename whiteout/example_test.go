package whiteout_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"log"

	"github.com/layerfs/graphdriver/whiteout"
)

func ExampleTarget() {
	for _, name := range []string{".wh.passwd", "passwd", whiteout.OpaqueName, ".wh.."} {
		target, ok, err := whiteout.Target(name)
		fmt.Printf("%q: %q %v %v\n", name, target, ok, err)
	}
	// Output:
	// ".wh.passwd": "passwd" true <nil>
	// "passwd": "" false <nil>
	// ".wh..wh..opq": "" false <nil>
	// ".wh..": "" false whiteout: name ".wh..": invalid layer: whiteout of "."
}

// An overlay upper's tar becomes an OCI layer tar.
func ExampleConvertTar() {
	var upper bytes.Buffer
	tw := tar.NewWriter(&upper)
	for _, hdr := range []*tar.Header{
		{Typeflag: tar.TypeDir, Name: "etc/", Mode: 0o755,
			PAXRecords: map[string]string{"SCHILY.xattr.trusted.overlay.opaque": "y"}},
		{Typeflag: tar.TypeChar, Name: "etc/passwd"}, // char 0/0: deleted
	} {
		if err := tw.WriteHeader(hdr); err != nil {
			log.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		log.Fatal(err)
	}

	var layer bytes.Buffer
	if err := whiteout.ConvertTar(&layer, &upper, whiteout.Overlay, whiteout.AUFS); err != nil {
		log.Fatal(err)
	}
	tr := tar.NewReader(&layer)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(hdr.Name, len(hdr.PAXRecords))
	}
	// Output:
	// etc/ 0
	// etc/.wh..wh..opq 0
	// etc/.wh.passwd 0
}

func ExampleHeader() {
	for _, f := range []whiteout.Format{whiteout.AUFS, whiteout.Overlay} {
		name := "etc/" + whiteout.Name("passwd")
		if f != whiteout.AUFS {
			name = "etc/passwd"
		}
		h := whiteout.Header(name, f)
		fmt.Printf("%s: %s type %q mode %o uid %d size %d mtime %d\n",
			f, h.Name, h.Typeflag, h.Mode, h.Uid, h.Size, h.ModTime.Unix())
	}
	// Output:
	// aufs: etc/.wh.passwd type '0' mode 644 uid 0 size 0 mtime 0
	// overlay: etc/passwd type '3' mode 0 uid 0 size 0 mtime 0
}
