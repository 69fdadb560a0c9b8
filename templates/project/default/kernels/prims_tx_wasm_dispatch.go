//go:build wasip1 && !pwagen_nokernels

package kernels

import "unsafe"

// The transformer primitives' imports (prims_tx.go).

//go:wasmimport kernels layernorm
func klayernorm(dst, x, scale, bias unsafe.Pointer, rows, cols int32, eps float32)

//go:wasmimport kernels softmax_rows
func ksoftmaxRows(dst, x unsafe.Pointer, rows, n int32)

//go:wasmimport kernels gelu
func kgelu(dst, x unsafe.Pointer, n, tanh int32)

//go:wasmimport kernels bmm
func kbmm(c, a, b unsafe.Pointer, batch, m, k, n, sa, sb int32)

func layerNorm(dst, x, scale, bias []float32, rows, cols int, eps float32) {
	klayernorm(p(dst), p(x), p(scale), p(bias), int32(rows), int32(cols), eps)
}
func softmaxRows(dst, x []float32, rows, n int) {
	ksoftmaxRows(p(dst), p(x), int32(rows), int32(n))
}
func gelu(dst, x []float32, tanh bool) {
	kgelu(p(dst), p(x), int32(len(dst)), int32(boolInt(tanh)))
}
func bmm(c, a, b []float32, batch, m, k, n, sa, sb int) {
	kbmm(p(c), p(a), p(b), int32(batch), int32(m), int32(k), int32(n), int32(sa), int32(sb))
}
