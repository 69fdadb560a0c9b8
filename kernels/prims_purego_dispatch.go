//go:build !wasip1 || pwagen_nokernels

package kernels

// Natively, the AVX2 twins where the build and CPU have them (the same
// bits as the pure-Go loops).

func im2colConv(col, src []float32, g *geom) {
	if useAVX2 {
		avx2Im2colConv(col, src, g)
		return
	}
	goIm2colConv(col, src, g)
}

func dwConv(dst, src, w, b []float32, g *geom) {
	if useAVX2 {
		avx2DwConv(dst, src, w, b, g)
		return
	}
	goDwConv(dst, src, w, b, g)
}

func pool(dst, src []float32, g *geom) {
	if useAVX2 {
		avx2Pool(dst, src, g)
		return
	}
	goPool(dst, src, g)
}

func act(dst, x []float32, a Act) {
	if useAVX2 {
		avx2Act(dst, x, a)
		return
	}
	goAct(dst, x, a)
}
