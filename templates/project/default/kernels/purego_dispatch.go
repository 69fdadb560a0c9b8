//go:build !wasip1 || pwagen_nokernels

package kernels

// Accelerated tells whether this build calls the WebAssembly kernels (true
// in GOOS=wasip1 builds without the pwagen_nokernels tag).
const Accelerated = false

// dot and gemv with AVX2 sum in the SIMD WebAssembly kernels' lanes
// (native_avx2.go), as the browser does; the pure-Go ones one value after
// the other, as the scalar kernels do.
func dot(x, y []float32) float32 {
	if useAVX2 {
		return avx2Dot(x, y)
	}
	return goDot(x, y)
}
func axpy(alpha float32, x, y []float32) {
	if useAVX2 {
		avx2Axpy(alpha, x, y)
		return
	}
	goAxpy(alpha, x, y)
}
func gemv(y, a, x, b []float32, m, n int) {
	if useAVX2 {
		avx2Gemv(y, a, x, b, m, n)
		return
	}
	goGemv(y, a, x, b, m, n)
}
func gemm(c, a, b, bias []float32, m, k, n int) {
	if useAVX2 {
		avx2Gemm(c, a, b, bias, m, k, n)
		return
	}
	goGemm(c, a, b, bias, m, k, n)
}
func add(dst, x, y []float32) {
	if useAVX2 {
		avx2Add(dst, x, y)
		return
	}
	goAdd(dst, x, y)
}
func mul(dst, x, y []float32) {
	if useAVX2 {
		avx2Mul(dst, x, y)
		return
	}
	goMul(dst, x, y)
}
func relu(dst, x []float32) {
	if useAVX2 {
		avx2ReLU(dst, x)
		return
	}
	goReLU(dst, x)
}
func softmax(x []float32)                         { goSoftmax(x) }
func im2col(col, src []float32, inC, h, w, k int) { goIm2col(col, src, inC, h, w, k) }
