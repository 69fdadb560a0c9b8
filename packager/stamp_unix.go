//go:build linux || darwin || freebsd || netbsd || openbsd

package packager

import (
	"os"
	"syscall"
	"time"
)

// stamp is what identifies a file's content without reading it: the file
// (device, inode) and its size and times, to the nanosecond.
type stamp struct {
	Dev, Ino     uint64
	Size         int64
	Mtime, Ctime int64 // ns since 1970
}

// latest is the later of the file's two times.
func (s stamp) latest() time.Time { return time.Unix(0, max(s.Mtime, s.Ctime)) }

// stampOf is fi's stamp, if its status change time is known.
func stampOf(fi os.FileInfo) (stamp, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return stamp{}, false
	}
	return stamp{Dev: uint64(st.Dev), Ino: uint64(st.Ino), Size: fi.Size(), Mtime: fi.ModTime().UnixNano(), Ctime: ctime(st).UnixNano()}, true
}
