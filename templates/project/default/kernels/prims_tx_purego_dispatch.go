//go:build !wasip1 || pwagen_nokernels

package kernels

func layerNorm(dst, x, scale, bias []float32, rows, cols int, eps float32) {
	goLayerNorm(dst, x, scale, bias, rows, cols, eps)
}
func softmaxRows(dst, x []float32, rows, n int) { goSoftmaxRows(dst, x, rows, n) }
func gelu(dst, x []float32, tanh bool)          { goGelu(dst, x, tanh) }
func bmm(c, a, b []float32, batch, m, k, n, sa, sb int) {
	if useAVX2 { // goBmm with the AVX2 gemm
		for i := range batch {
			avx2Gemm(c[i*m*n:(i+1)*m*n], a[i*sa:i*sa+m*k], b[i*sb:i*sb+k*n], nil, m, k, n)
		}
		return
	}
	goBmm(c, a, b, batch, m, k, n, sa, sb)
}
