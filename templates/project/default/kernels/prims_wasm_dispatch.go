//go:build wasip1 && !pwagen_nokernels

package kernels

import "unsafe"

// The primitives' imports. The spatial kernels take the address of a geom
// (an int32 block in this module's memory, on the Go stack during the call)
// as their last argument; //go:noescape keeps it there.

//go:wasmimport kernels im2col_conv
//go:noescape
func kim2colConv(col, src unsafe.Pointer, g *geom)

//go:wasmimport kernels dwconv
//go:noescape
func kdwconv(dst, src, w, b unsafe.Pointer, g *geom)

//go:wasmimport kernels pool
//go:noescape
func kpool(dst, src unsafe.Pointer, g *geom)

//go:wasmimport kernels act
func kact(dst, x unsafe.Pointer, n, op int32, alpha, beta float32)

func im2colConv(col, src []float32, g *geom) { kim2colConv(p(col), p(src), g) }
func dwConv(dst, src, w, b []float32, g *geom) {
	kdwconv(p(dst), p(src), p(w), p(b), g)
}
func pool(dst, src []float32, g *geom) { kpool(p(dst), p(src), g) }
func act(dst, x []float32, a Act) {
	kact(p(dst), p(x), int32(len(dst)), int32(a.Op), a.Alpha, a.Beta)
}
