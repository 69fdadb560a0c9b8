//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package packager

import (
	"os"
	"time"
)

// stamp is empty where pwagen does not know a file's status change time:
// weights are hashed on every package there.
type stamp struct{}

func (stamp) latest() time.Time { return time.Time{} }

func stampOf(os.FileInfo) (stamp, bool) { return stamp{}, false }
