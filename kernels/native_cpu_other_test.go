//go:build !linux && goexperiment.simd && amd64 && !wasip1

package kernels

import "time"

// procCPU is 0 where the process's CPU time is not read.
func procCPU() time.Duration { return 0 }
