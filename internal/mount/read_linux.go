package mount

import (
	"io"

	moby "github.com/moby/sys/mountinfo"
)

// Read returns the mount table of the calling process.
func Read() ([]Entry, error) {
	infos, err := moby.GetMounts(nil)
	return entries(infos), err
}

// Parse reads a mount table in the format of /proc/<pid>/mountinfo.
func Parse(r io.Reader) ([]Entry, error) {
	infos, err := moby.GetMountsFromReader(r, nil)
	return entries(infos), err
}

func entries(infos []*moby.Info) []Entry {
	out := make([]Entry, len(infos))
	for i, info := range infos {
		out[i] = Entry{Point: info.Mountpoint, FSType: info.FSType}
	}
	return out
}
