// Command demo builds an image-like stack of layers with the best backend
// this machine offers and shows what a container sees in its merged view:
// upper layers shadowing lower ones, copy-up on write, and deletions that
// hide lower files without touching them.
//
//	go run ./examples/demo            # best backend, in a temporary store
//	go run ./examples/demo -backend vfs -root /tmp/store -keep
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/layerfs/graphdriver"
	_ "github.com/layerfs/graphdriver/overlay2"
	_ "github.com/layerfs/graphdriver/vfs"
)

func main() {
	backend := flag.String("backend", "", "backend to use (default: the best that works here)")
	root := flag.String("root", "", "store root (default: a temporary directory)")
	keep := flag.Bool("keep", false, "keep the store afterwards")
	flag.Parse()
	if err := run(os.Stdout, *backend, *root, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, backend, root string, keep bool) (retErr error) {
	if root == "" {
		tmp, err := os.MkdirTemp("", "graphdriver-demo-")
		if err != nil {
			return err
		}
		root = tmp
		if !keep {
			defer func() { retErr = errors.Join(retErr, os.RemoveAll(tmp)) }()
		}
	}
	d, err := graphdriver.New(backend, root, nil, graphdriver.IDMap{})
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, d.Cleanup()) }()
	fmt.Fprintf(w, "backend %s, store %s\n", d, filepath.Join(root, d.String()))
	for _, kv := range d.Status() {
		fmt.Fprintf(w, "  %-20s %s\n", kv[0], kv[1])
	}
	if err := buildStack(w, d); err != nil {
		return err
	}
	return showContainer(w, d)
}

// image is the demo image: each layer is a tar, as a registry serves it.
// app deletes a file of base with a whiteout entry.
var image = []struct {
	id, parent string
	entries    []tarEntry
}{
	{id: "base", entries: []tarEntry{
		{name: "bin/"}, {name: "etc/"}, {name: "usr/"}, {name: "usr/share/"}, {name: "usr/share/doc/"},
		{name: "bin/sh", body: "#!shell\n"},
		{name: "etc/os-release", body: "NAME=demo-base\n"},
		{name: "etc/motd", body: "welcome to the base image\n"},
		{name: "usr/share/doc/README", body: "base documentation\n"},
		{name: "usr/share/doc/CHANGELOG", body: "base changes\n"},
	}},
	{id: "app", parent: "base", entries: []tarEntry{
		{name: "app/"},
		{name: "app/server", body: "#!server\n"},
		{name: "etc/os-release", body: "NAME=demo-app\n"}, // shadows base's
		{name: "usr/share/doc/.wh.CHANGELOG"},             // deletes base's
	}},
}

// tarEntry is a directory (name ends in "/") or a regular file.
type tarEntry struct{ name, body string }

func layerTar(entries []tarEntry) (*bytes.Buffer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if strings.HasSuffix(e.name, "/") {
			hdr.Mode, hdr.Typeflag = 0o755, tar.TypeDir
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			return nil, err
		}
	}
	return &buf, tw.Close()
}

// buildStack pulls the image (Create + ApplyDiff per layer), then makes
// the init layer a runtime writes /etc/hosts and /etc/resolv.conf into,
// and the container's read-write layer on top.
func buildStack(w io.Writer, d graphdriver.Driver) error {
	fmt.Fprintln(w, "\npulling the image:")
	for _, l := range image {
		tarball, err := layerTar(l.entries)
		if err != nil {
			return err
		}
		if err := d.Create(l.id, l.parent, nil); err != nil {
			return err
		}
		size, err := d.ApplyDiff(l.id, l.parent, tarball)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-5s on %-7s %d tar entries, %d bytes of content\n", l.id, strconv.Quote(l.parent), len(l.entries), size)
	}
	if err := d.CreateReadWrite("init", "app", nil); err != nil {
		return err
	}
	if err := writeFiles(d, "init", map[string]string{
		"etc/hosts":       "127.0.0.1 localhost\n",
		"etc/resolv.conf": "nameserver 127.0.0.53\n",
	}); err != nil {
		return err
	}
	fmt.Fprintln(w, "  init  on \"app\"   writes /etc/hosts and /etc/resolv.conf")
	return d.CreateReadWrite("container", "init", nil)
}

func writeFiles(d graphdriver.Driver, id string, files map[string]string) (retErr error) {
	dir, err := d.Get(id, "")
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, d.Put(id)) }()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func showContainer(w io.Writer, d graphdriver.Driver) (retErr error) {
	dir, err := d.Get("container", "")
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, d.Put("container")) }()
	fmt.Fprintf(w, "\ncontainer's merged view at %s:\n", dir)
	if err := listTree(w, dir); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nshadowing: /etc/os-release reads %q (app's shadows base's)\n", readFile(dir, "etc/os-release"))

	fmt.Fprintln(w, "copy-up: the container rewrites /etc/motd")
	if err := os.WriteFile(filepath.Join(dir, "etc/motd"), []byte("container was here\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(w, "deletion: the container removes /usr/share/doc/README")
	if err := os.Remove(filepath.Join(dir, "usr/share/doc/README")); err != nil {
		return err
	}
	baseMotd, baseReadme, err := peek(d, "base", "etc/motd", "usr/share/doc/README")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  container sees /etc/motd = %q, base still has %q\n", readFile(dir, "etc/motd"), baseMotd)
	fmt.Fprintf(w, "  container sees /usr/share/doc/README: %s; base still has %q\n",
		existence(dir, "usr/share/doc/README"), baseReadme)
	return showChanges(w, d)
}

// peek reads files of a layer's own merged view.
func peek(d graphdriver.Driver, id string, names ...string) (a, b string, retErr error) {
	dir, err := d.Get(id, "")
	if err != nil {
		return "", "", err
	}
	defer func() { retErr = errors.Join(retErr, d.Put(id)) }()
	return readFile(dir, names[0]), readFile(dir, names[1]), nil
}

// showChanges prints what the container changed, as Changes lists it
// and as the entries of the layer tar Diff makes of it (a commit).
func showChanges(w io.Writer, d graphdriver.Driver) error {
	changes, err := d.Changes("container", "")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nwhat the container changed (Changes):")
	for _, c := range changes {
		fmt.Fprintf(w, "  %s\n", c)
	}
	rc, err := d.Diff("container", "")
	if err != nil {
		return err
	}
	defer rc.Close()
	fmt.Fprintln(w, "its layer tar (Diff):")
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-28s %s %6d bytes\n", hdr.Name, os.FileMode(hdr.Mode).Perm(), hdr.Size)
	}
}

func listTree(w io.Writer, dir string) error {
	return filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if e.IsDir() {
			fmt.Fprintf(w, "  /%s/\n", rel)
			return nil
		}
		fmt.Fprintf(w, "  /%-26s %q\n", rel, readFile(dir, rel))
		return nil
	})
}

func readFile(dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return strings.TrimSpace(string(b))
}

func existence(dir, name string) string {
	if _, err := os.Lstat(filepath.Join(dir, name)); errors.Is(err, os.ErrNotExist) {
		return "gone"
	}
	return "still there"
}
