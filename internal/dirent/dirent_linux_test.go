package dirent

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestNames(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := range 3000 { // more than one getdents buffer
		name := fmt.Sprintf("entry-with-a-long-name-%04d", i)
		want = append(want, name)
		if err := os.WriteFile(dir+"/"+name, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var buf []byte
	got, err := Names(fd, &buf)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("Names gave %d names, want %d (no . or ..)", len(got), len(want))
	}
}
