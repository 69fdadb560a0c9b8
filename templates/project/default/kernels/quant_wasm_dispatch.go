//go:build wasip1 && !pwagen_nokernels

package kernels

import "unsafe"

//go:wasmimport kernels q8gemv
func kq8gemv(y, a, scale, x, b unsafe.Pointer, m, n int32)

//go:wasmimport kernels q8gemm
func kq8gemm(c, a, scale, b, bias unsafe.Pointer, m, k, n int32)

//go:wasmimport kernels f16gemv
func kf16gemv(y, a, x, b unsafe.Pointer, m, n int32)

//go:wasmimport kernels f16gemm
func kf16gemm(c, a, b, bias unsafe.Pointer, m, k, n int32)

func q8gemv(y []float32, a []int8, scale, x, b []float32, m, n int) {
	kq8gemv(p(y), unsafe.Pointer(unsafe.SliceData(a)), p(scale), p(x), p(b), int32(m), int32(n))
}
func q8gemm(c []float32, a []int8, scale, b, bias []float32, m, k, n int) {
	kq8gemm(p(c), unsafe.Pointer(unsafe.SliceData(a)), p(scale), p(b), p(bias), int32(m), int32(k), int32(n))
}
func f16gemv(y []float32, a []uint16, x, b []float32, m, n int) {
	kf16gemv(p(y), unsafe.Pointer(unsafe.SliceData(a)), p(x), p(b), int32(m), int32(n))
}
func f16gemm(c []float32, a []uint16, b, bias []float32, m, k, n int) {
	kf16gemm(p(c), unsafe.Pointer(unsafe.SliceData(a)), p(b), p(bias), int32(m), int32(k), int32(n))
}
