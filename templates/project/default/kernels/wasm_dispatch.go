//go:build wasip1 && !pwagen_nokernels

package kernels

import "unsafe"

// Accelerated tells whether this build calls the WebAssembly kernels (true
// in GOOS=wasip1 builds without the pwagen_nokernels tag).
const Accelerated = true

// p is the address of s's first element in the shared linear memory, or 0
// for nil (a kernel reads no bias at address 0).
func p(s []float32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

//go:wasmimport kernels dot
func kdot(x, y unsafe.Pointer, n int32) float32

//go:wasmimport kernels axpy
func kaxpy(alpha float32, x, y unsafe.Pointer, n int32)

//go:wasmimport kernels gemv
func kgemv(y, a, x, b unsafe.Pointer, m, n int32)

//go:wasmimport kernels gemm
func kgemm(c, a, b, bias unsafe.Pointer, m, k, n int32)

//go:wasmimport kernels add
func kadd(dst, x, y unsafe.Pointer, n int32)

//go:wasmimport kernels mul
func kmul(dst, x, y unsafe.Pointer, n int32)

//go:wasmimport kernels relu
func krelu(dst, x unsafe.Pointer, n int32)

//go:wasmimport kernels softmax
func ksoftmax(x unsafe.Pointer, n int32)

//go:wasmimport kernels im2col
func kim2col(col, src unsafe.Pointer, inC, h, w, k int32)

func dot(x, y []float32) float32         { return kdot(p(x), p(y), int32(len(x))) }
func axpy(alpha float32, x, y []float32) { kaxpy(alpha, p(x), p(y), int32(len(x))) }
func gemv(y, a, x, b []float32, m, n int) {
	kgemv(p(y), p(a), p(x), p(b), int32(m), int32(n))
}
func gemm(c, a, b, bias []float32, m, k, n int) {
	kgemm(p(c), p(a), p(b), p(bias), int32(m), int32(k), int32(n))
}
func add(dst, x, y []float32) { kadd(p(dst), p(x), p(y), int32(len(dst))) }
func mul(dst, x, y []float32) { kmul(p(dst), p(x), p(y), int32(len(dst))) }
func relu(dst, x []float32)   { krelu(p(dst), p(x), int32(len(dst))) }
func softmax(x []float32)     { ksoftmax(p(x), int32(len(x))) }
func im2col(col, src []float32, inC, h, w, k int) {
	kim2col(p(col), p(src), int32(inC), int32(h), int32(w), int32(k))
}
