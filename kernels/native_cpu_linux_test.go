//go:build linux && goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"syscall"
	"time"
)

// procCPU is the process's user+system CPU time: on a shared machine it
// measures a benchmark's work where wall time measures the queue.
func procCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
