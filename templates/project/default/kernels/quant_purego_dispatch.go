//go:build !wasip1 || pwagen_nokernels

package kernels

func q8gemv(y []float32, a []int8, scale, x, b []float32, m, n int) {
	goQ8Gemv(y, a, scale, x, b, m, n)
}
func q8gemm(c []float32, a []int8, scale, b, bias []float32, m, k, n int) {
	goQ8Gemm(c, a, scale, b, bias, m, k, n)
}
func f16gemv(y []float32, a []uint16, x, b []float32, m, n int) { goF16Gemv(y, a, x, b, m, n) }
func f16gemm(c []float32, a []uint16, b, bias []float32, m, k, n int) {
	goF16Gemm(c, a, b, bias, m, k, n)
}
