//go:build goexperiment.simd && amd64 && !wasip1

package kernels

// The AVX2 twins of the spatial primitives and activations (prims_purego.go),
// each output computed with the same operations in the same order.

func avx2Im2colConv(col, src []float32, g *geom)   { goIm2colConv(col, src, g) }
func avx2DwConv(dst, src, w, b []float32, g *geom) { goDwConv(dst, src, w, b, g) }
func avx2Pool(dst, src []float32, g *geom)         { goPool(dst, src, g) }
func avx2Act(dst, x []float32, a Act)              { goAct(dst, x, a) }
