// Command demo builds an image-like stack of layers with the best backend
// this machine offers and shows what a container sees in its merged view:
// upper layers shadowing lower ones, copy-up on write, and deletions that
// hide lower files without touching them.
//
//	go run ./examples/demo            # best backend, in a temporary store
//	go run ./examples/demo -backend vfs -root /tmp/store -keep
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/layerfs/graphdriver"
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

// stack is the demo image: each layer lists the files it writes and the
// paths it deletes.
var stack = []struct {
	id, parent string
	files      map[string]string
	deletes    []string
}{
	{id: "base", files: map[string]string{
		"etc/os-release":          "NAME=demo-base\n",
		"etc/motd":                "welcome to the base image\n",
		"bin/sh":                  "#!shell\n",
		"usr/share/doc/README":    "base documentation\n",
		"usr/share/doc/CHANGELOG": "base changes\n",
	}},
	{id: "app", parent: "base", files: map[string]string{
		"etc/os-release": "NAME=demo-app\n", // shadows base's
		"app/server":     "#!server\n",
	}, deletes: []string{"usr/share/doc/CHANGELOG"}},
	{id: "init", parent: "app", files: map[string]string{
		"etc/hosts":       "127.0.0.1 localhost\n",
		"etc/resolv.conf": "nameserver 127.0.0.53\n",
	}},
}

func buildStack(w io.Writer, d graphdriver.Driver) error {
	fmt.Fprintln(w, "\nbuilding the image:")
	for _, l := range stack {
		if err := d.CreateReadWrite(l.id, l.parent, nil); err != nil {
			return err
		}
		if err := writeLayer(d, l.id, l.files, l.deletes); err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-5s on %-7s writes %d files, deletes %v\n", l.id, strconv.Quote(l.parent), len(l.files), l.deletes)
	}
	return d.CreateReadWrite("container", "init", nil)
}

func writeLayer(d graphdriver.Driver, id string, files map[string]string, deletes []string) (retErr error) {
	dir, err := d.Get(id, "")
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, d.Put(id)) }()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	for _, name := range deletes {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
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

func showChanges(w io.Writer, d graphdriver.Driver) error {
	changes, err := d.Changes("container", "init")
	if errors.Is(err, graphdriver.ErrNotSupported) {
		fmt.Fprintf(w, "\nchanges: %v\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nwhat the container changed (Changes):")
	for _, c := range changes {
		fmt.Fprintf(w, "  %s\n", c)
	}
	return nil
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
