//go:build !wasip1 || pwagen_nokernels

package kernels

func im2colConv(col, src []float32, g *geom)   { goIm2colConv(col, src, g) }
func dwConv(dst, src, w, b []float32, g *geom) { goDwConv(dst, src, w, b, g) }
func pool(dst, src []float32, g *geom)         { goPool(dst, src, g) }
func act(dst, x []float32, a Act)              { goAct(dst, x, a) }
