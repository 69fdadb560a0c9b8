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

// q8act and q8dotgemv read and write GemmExQ8Dot's activation buffer on
// the Go stack during the call; //go:noescape keeps it there.

//go:wasmimport kernels q8act
//go:noescape
func kq8act(dst, x unsafe.Pointer, k, n int32) float32

//go:wasmimport kernels q8dotgemv
//go:noescape
func kq8dotgemv(y, a, scale, xq unsafe.Pointer, sa float32, b unsafe.Pointer, m, n int32)

//go:wasmimport kernels q8dotgemm
func kq8dotgemm(c, a, scale, bq unsafe.Pointer, sa float32, bias unsafe.Pointer, m, k, n int32)

func i32p(s []int32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

func q8act(dst []int32, x []float32, k, n int) float32 {
	return kq8act(i32p(dst), p(x), int32(k), int32(n))
}
func q8dotgemv(y []float32, a []int8, scale []float32, xq []int32, sa float32, b []float32, m, n int) {
	kq8dotgemv(p(y), unsafe.Pointer(unsafe.SliceData(a)), p(scale), i32p(xq), sa, p(b), int32(m), int32(n))
}
func q8dotgemm(c []float32, a []int8, scale []float32, bq []int32, sa float32, bias []float32, m, k, n int) {
	kq8dotgemm(p(c), unsafe.Pointer(unsafe.SliceData(a)), p(scale), i32p(bq), sa, p(bias), int32(m), int32(k), int32(n))
}

//go:wasmimport kernels q8dwact
//go:noescape
func kq8dwact(dst, src unsafe.Pointer, g *geom) float32

//go:wasmimport kernels q8dwconv
//go:noescape
func kq8dwconv(dst, xq, w, scale unsafe.Pointer, sa float32, b unsafe.Pointer, g *geom)

func q8dwact(dst []int16, src []float32, g *geom) float32 {
	return kq8dwact(unsafe.Pointer(unsafe.SliceData(dst)), p(src), g)
}
func q8dwconv(dst []float32, xq []int16, w []int8, scale []float32, sa float32, b []float32, g *geom) {
	kq8dwconv(p(dst), unsafe.Pointer(unsafe.SliceData(xq)), unsafe.Pointer(unsafe.SliceData(w)), p(scale), sa, p(b), g)
}
