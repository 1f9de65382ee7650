// Command graphctl is a small command line for layer stores.
//
//	graphctl status -backend aufs -root /var/lib/docker -o aufs.mount_program=fuse-overlayfs
//	graphctl migrate-aufs -from /var/lib/docker/aufs -to /var/lib/docker/overlay2 \
//	    [-mount-program fuse-overlayfs]
//
// status opens a store and prints what its backend reports. migrate-aufs
// copies every layer of an aufs store (Docker's /var/lib/docker/aufs, say)
// into an overlay2 store, keeping ids, converting whiteouts, and checking
// that each layer's Diff is byte-identical in both; on a kernel without
// aufs, -mount-program fuse-overlayfs mounts the aufs layers. Both need
// root.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/layerfs/graphdriver"
	_ "github.com/layerfs/graphdriver/aufs"
	"github.com/layerfs/graphdriver/migrate"
	_ "github.com/layerfs/graphdriver/overlay2"
	_ "github.com/layerfs/graphdriver/vfs"
)

func main() {
	if err := run(os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "graphctl:", err)
		os.Exit(1)
	}
}

const usage = "usage: graphctl status|migrate-aufs [flags] (-h for a command's flags)"

func run(w io.Writer, args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "status":
		return status(w, args[1:])
	case "migrate-aufs":
		return migrateAufs(w, args[1:])
	}
	return fmt.Errorf("unknown command %q; %s", args[0], usage)
}

// options collects repeated -o flags.
type options []string

func (o *options) String() string     { return strings.Join(*o, ",") }
func (o *options) Set(v string) error { *o = append(*o, v); return nil }

func status(w io.Writer, args []string) (retErr error) {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	backend := fs.String("backend", "", "backend (default: the one with state under -root, else the best)")
	root := fs.String("root", "", "store root, as /var/lib/docker (required)")
	var opts options
	fs.Var(&opts, "o", "backend option name.key=value (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" {
		return errors.New("status: -root is required")
	}
	d, err := graphdriver.New(*backend, *root, opts, graphdriver.IDMap{})
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, d.Cleanup()) }()
	fmt.Fprintf(w, "backend %s\n", d)
	for _, kv := range d.Status() {
		fmt.Fprintf(w, "  %-20s %s\n", kv[0], kv[1])
	}
	return nil
}

func migrateAufs(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("migrate-aufs", flag.ContinueOnError)
	from := fs.String("from", "", "the aufs store's home, as /var/lib/docker/aufs (required)")
	to := fs.String("to", "", "the overlay2 store's home, as /var/lib/docker/overlay2 (required)")
	program := fs.String("mount-program", "", "mount the aufs layers with this program (fuse-overlayfs) instead of kernel aufs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return errors.New("migrate-aufs: -from and -to are required")
	}
	var opts []string
	if *program != "" {
		opts = append(opts, "aufs.mount_program="+*program)
	}
	done, err := migrate.AufsToOverlay2(*from, *to, opts)
	for _, c := range done {
		fmt.Fprintf(w, "%s  parent %-12s sha256:%s  %d bytes\n", c.ID, orDash(c.Parent), c.Digest[:12], c.Size)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d layers copied from %s to %s, each Diff byte-identical\n", len(done), *from, *to)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
