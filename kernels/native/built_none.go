//go:build !(goexperiment.simd && amd64) || wasip1

package native

// Built reports whether this build holds the native kernels (amd64 with
// GOEXPERIMENT=simd), whatever the CPU.
const Built = false
