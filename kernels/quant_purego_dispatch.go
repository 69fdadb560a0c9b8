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
func q8act(dst []int32, x []float32, k, n int) float32 { return goQ8Act(dst, x, k, n) }
func q8dotgemv(y []float32, a []int8, scale []float32, xq []int32, sa float32, b []float32, m, n int) {
	goQ8DotGemv(y, a, scale, xq, sa, b, m, n)
}
func q8dotgemm(c []float32, a []int8, scale []float32, bq []int32, sa float32, bias []float32, m, k, n int) {
	goQ8DotGemm(c, a, scale, bq, sa, bias, m, k, n)
}
func q8dwact(dst []int16, src []float32, g *geom) float32 { return goQ8DwAct(dst, src, g) }
func q8dwconv(dst []float32, xq []int16, w []int8, scale []float32, sa float32, b []float32, g *geom) {
	goQ8DwConv(dst, xq, w, scale, sa, b, g)
}
