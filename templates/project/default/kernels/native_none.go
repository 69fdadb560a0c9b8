//go:build !(goexperiment.simd && amd64) || wasip1

package kernels

// NativeSIMD names the native kernels this build runs: "avx2" in amd64
// builds with GOEXPERIMENT=simd on a CPU that has AVX2 (native_avx2.go),
// "" for the pure-Go loops.
const NativeSIMD = ""

const useAVX2 = false

// kernelPaths tells the pooling ops to call Pool where the WebAssembly
// build does (see native_avx2.go).
const kernelPaths = Accelerated

// Never called (useAVX2 is false): they keep the dispatch one function.
func avx2Gemm(c, a, b, bias []float32, m, k, n int) { goGemm(c, a, b, bias, m, k, n) }
func avx2Axpy(alpha float32, x, y []float32)        { goAxpy(alpha, x, y) }
func avx2Add(dst, x, y []float32)                   { goAdd(dst, x, y) }
func avx2Mul(dst, x, y []float32)                   { goMul(dst, x, y) }
func avx2ReLU(dst, x []float32)                     { goReLU(dst, x) }
func avx2Dot(x, y []float32) float32                { return goDot(x, y) }
func avx2Gemv(y, a, x, b []float32, m, n int)       { goGemv(y, a, x, b, m, n) }
func avx2Im2colConv(col, src []float32, g *geom)    { goIm2colConv(col, src, g) }
func avx2DwConv(dst, src, w, b []float32, g *geom)  { goDwConv(dst, src, w, b, g) }
func avx2Pool(dst, src []float32, g *geom)          { goPool(dst, src, g) }
func avx2Act(dst, x []float32, a Act)               { goAct(dst, x, a) }
func hostAct(Act) bool                              { return false }
func directConv(*geom) bool                         { return false }
func directPays(*geom) bool                         { return false }
func avx2ConvDirect(dst, src, w, bias []float32, g *geom, m int) {
	panic("kernels: no direct convolution in this build")
}
