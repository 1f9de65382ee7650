package aufs

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/layerfs/graphdriver"
)

// branchesOf returns the branch paths a plan mounts, in stack order, by
// reading back what planKernelMount wrote: "br:" in Data, then each
// "append:" of the remounts.
func branchesOf(t *testing.T, plan kernelMount) []string {
	t.Helper()
	first, _, _ := strings.Cut(plan.Data, ",")
	out := strings.Split(strings.TrimPrefix(first, "br:"), ":")
	for _, data := range plan.Appends {
		for _, opt := range strings.Split(data, ",") {
			if strings.HasPrefix(opt, "context=") {
				continue
			}
			if !strings.HasPrefix(opt, "append:") {
				t.Fatalf("remount option %q is not an append", opt)
			}
			out = append(out, strings.TrimPrefix(opt, "append:"))
		}
	}
	return out
}

func chain(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s/%064x", prefix, i)
	}
	return out
}

func TestPlanKernelMount(t *testing.T) {
	const page = 4096
	tests := []struct {
		name       string
		rw         string
		ro         []string
		label      string
		dirperm1   bool
		wantData   string // exact, when set
		wantRemnts int    // number of remounts
	}{
		{name: "base layer", rw: "/s/diff/a", dirperm1: true,
			wantData: "br:/s/diff/a=rw,dio,xino=/dev/shm/aufs.xino,dirperm1"},
		{name: "two parents", rw: "/s/diff/c", ro: []string{"/s/diff/b", "/s/diff/a"},
			wantData: "br:/s/diff/c=rw:/s/diff/b=ro+wh:/s/diff/a=ro+wh,dio,xino=/dev/shm/aufs.xino"},
		{name: "read-only view", ro: []string{"/s/diff/b", "/s/diff/a"},
			wantData: "br:/s/diff/b=ro+wh:/s/diff/a=ro+wh,dio,xino=/dev/shm/aufs.xino"},
		{name: "label", rw: "/s/diff/a", label: "system_u:object_r:container_file_t:s0",
			wantData: `br:/s/diff/a=rw,dio,xino=/dev/shm/aufs.xino,context="system_u:object_r:container_file_t:s0"`},
		{name: "127 layers", rw: "/var/lib/docker/aufs/diff/top", ro: chain(127, "/var/lib/docker/aufs/diff"), dirperm1: true, wantRemnts: 3},
		{name: "500 layers", rw: "/var/lib/docker/aufs/diff/top", ro: chain(500, "/var/lib/docker/aufs/diff"), wantRemnts: 12},
		{name: "500 layers with a label", rw: "/d/top", ro: chain(500, "/var/lib/docker/aufs/diff"), label: "a:b:c:s0", wantRemnts: 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := planKernelMount(tt.rw, tt.ro, tt.label, tt.dirperm1, page)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantData != "" && plan.Data != tt.wantData {
				t.Fatalf("Data = %q, want %q", plan.Data, tt.wantData)
			}
			if len(plan.Appends) != tt.wantRemnts {
				t.Fatalf("%d remounts, want %d", len(plan.Appends), tt.wantRemnts)
			}
			for i, data := range append([]string{plan.Data}, plan.Appends...) {
				if len(data)+1 > page {
					t.Fatalf("call %d: %d bytes with the NUL, over a page", i, len(data)+1)
				}
				if tt.label != "" && !strings.Contains(data, contextOption(tt.label)) {
					t.Fatalf("call %d lacks the SELinux context: %q", i, data)
				}
			}
			var want []string
			if tt.rw != "" {
				want = append(want, tt.rw+"=rw")
			}
			for _, dir := range tt.ro {
				want = append(want, dir+"=ro+wh")
			}
			if got := branchesOf(t, plan); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("branches in mount order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestPlanKernelMountFillsThePage: the first call takes as many branches
// as fit, so one more would overflow; Docker's budget was off by one
// once (moby#41830, on overlay, the same arithmetic).
func TestPlanKernelMountFillsThePage(t *testing.T) {
	const page = 4096
	ro := chain(200, "/x")
	plan, err := planKernelMount("/x/top", ro, "", true, page)
	if err != nil {
		t.Fatal(err)
	}
	n := strings.Count(plan.Data, "=ro+wh")
	next := ":" + ro[n] + "=ro+wh"
	if len(plan.Data)+1+len(next) <= page {
		t.Fatalf("first call holds %d read-only branches in %d bytes; %q would still fit", n, len(plan.Data)+1, next)
	}
	for i, data := range plan.Appends[:len(plan.Appends)-1] {
		if len(data)+1+len(",append:"+ro[0]+"=ro+wh") <= page {
			t.Fatalf("remount %d (%d bytes) has room for one more branch", i, len(data)+1)
		}
	}
}

func TestPlanKernelMountRefuses(t *testing.T) {
	tests := []struct {
		name string
		rw   string
		ro   []string
	}{
		{name: "colon in a path", rw: "/a:b/diff/x"},
		{name: "comma in a path", rw: "/s/diff/x", ro: []string{"/a,b"}},
		{name: "equals in a path", rw: "/s/diff/x", ro: []string{"/a=b"}},
		{name: "branch longer than a page", rw: "/s/diff/x", ro: []string{"/" + strings.Repeat("d", 5000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := planKernelMount(tt.rw, tt.ro, "", false, 4096)
			if !errors.Is(err, graphdriver.ErrNotSupported) {
				t.Fatalf("planKernelMount = %v, want ErrNotSupported", err)
			}
		})
	}
	if _, err := planKernelMount("", nil, "", false, 4096); err == nil {
		t.Fatal("a mount without branches was planned")
	}
}

func TestProgramArgs(t *testing.T) {
	tests := []struct {
		name string
		m    programMount
		want string
	}{
		{name: "read-write", m: programMount{Lowers: []string{"b", "a"}, Upper: "c", Work: "../work/c/work", Target: "/s/mnt/c"},
			want: "-o lowerdir=b:a,upperdir=c,workdir=../work/c/work /s/mnt/c"},
		{name: "read-only", m: programMount{Lowers: []string{"c", "b"}, Target: "/s/mnt/c"},
			want: "-o lowerdir=c:b /s/mnt/c"},
		{name: "label", m: programMount{Lowers: []string{"../work/a/empty"}, Upper: "a", Work: "w", Target: "/m", Label: "l:s0"},
			want: `-o lowerdir=../work/a/empty,upperdir=a,workdir=w,context="l:s0" /m`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(programArgs(tt.m), " "); got != tt.want {
				t.Fatalf("programArgs = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProgramEnv(t *testing.T) {
	env := programEnv([]string{"PATH=/bin", "FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT=", "HOME=/root"})
	want := "PATH=/bin HOME=/root FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT=1"
	if got := strings.Join(env, " "); got != want {
		t.Fatalf("programEnv = %q, want %q", got, want)
	}
}
