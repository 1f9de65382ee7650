package naive

import "github.com/layerfs/graphdriver/cow"

// composer lays the union of AUFS-form layer diffs onto a new directory:
// the merged view a Get returns (copies) or a link farm, the read-only
// stand-in for a merged view that the diff operations walk (hardlinks
// into the diffs, so it costs a link per entry and no data).
type composer struct {
	copier *cow.Copier
	farm   bool              // hardlink non-directories instead of copying them
	links  map[devIno]string // copies: the first path made of each inode with several links
	// seen, when set, records the inode of every non-directory taken
	// from the top layer (a farm's own inodes, see materialize).
	seen    map[devIno]bool
	dirents []byte
}

type devIno struct{ dev, ino uint64 }
