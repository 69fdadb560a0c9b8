//go:build unix

package packager

import (
	"fmt"
	"os"
	"syscall"
)

// lockDir takes an exclusive lock on dir, released by the returned func, so
// that two pwagen runs never swap beside each other at once.
func lockDir(dir string) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
