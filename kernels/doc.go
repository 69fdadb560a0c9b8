// Package kernels is the float32 arithmetic of inference (dot, axpy, gemv,
// gemm, add, mul, ReLU, softmax, and the im2col, depthwise convolution,
// pooling and activation primitives of imported models) for pwagen models,
// one call per layer.
//
// Natively, and in wasm builds with the build tag pwagen_nokernels, every
// function is plain Go. In GOOS=wasip1 builds it calls WebAssembly kernels
// imported from module "kernels" (//go:wasmimport), which pwagen links beside
// the model: a 128-bit SIMD variant where the browser has SIMD, a scalar one
// elsewhere. The kernels read and write the model's own memory, so nothing
// is copied; they cannot check bounds, so every function checks its slice
// lengths in Go first and panics with a *ShapeError before calling.
//
// Native amd64 builds with GOEXPERIMENT=simd (Go 1.26) run gemm, gemv,
// dot, axpy, add, mul and ReLU with AVX2 where the CPU has it
// (NativeSIMD is "avx2"): 8 lanes over independent outputs, no fused
// multiply-add, and dot and gemv summed in the SIMD kernel's lanes, so the
// answers equal the browser's SIMD kernels bit for bit.
//
// The package uses only the standard library, so it can be copied into a
// project that does not depend on pwagen's module.
package kernels
