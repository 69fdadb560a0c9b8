package kernels

// Signatures of the operators (see ops.go). Bodies are filled in by the ops
// work; each panics until then.

// Activate sets dst[i] = a(x[i]). dst may be x.
func Activate(dst, x []float32, a Act) { panic("kernels.Activate: not implemented") }

// Binary sets dst = a op b with numpy broadcasting. outShape, aShape and
// bShape have the same rank (the importer pads with leading 1s); aShape[i]
// and bShape[i] are outShape[i] or 1. dst may be a or b when it has the
// same length.
func Binary(dst, a, b []float32, op BinOp, outShape, aShape, bShape []int) {
	panic("kernels.Binary: not implemented")
}

// ConvScratch is the scratch length Conv needs for p.
func ConvScratch(p ConvParams) int { panic("kernels.ConvScratch: not implemented") }

// Conv is ONNX Conv (1-D or 2-D, any pads, strides, dilations, groups).
func Conv(dst, src, w, b, scratch []float32, p ConvParams) { panic("kernels.Conv: not implemented") }

// MaxPool is ONNX MaxPool.
func MaxPool(dst, src []float32, p PoolParams) { panic("kernels.MaxPool: not implemented") }

// AveragePool is ONNX AveragePool.
func AveragePool(dst, src []float32, p PoolParams) { panic("kernels.AveragePool: not implemented") }

// GlobalPool averages (or, with max, takes the largest of) each of n·c
// planes of spatial values.
func GlobalPool(dst, src []float32, n, c, spatial int, max bool) {
	panic("kernels.GlobalPool: not implemented")
}

// GemmEx is ONNX Gemm.
func GemmEx(y, a, b, c []float32, p GemmParams) { panic("kernels.GemmEx: not implemented") }

// MatMul is numpy matmul with batch broadcasting.
func MatMul(dst, a, b []float32, p MatMulParams) { panic("kernels.MatMul: not implemented") }

// ChannelAffine sets dst[n][c][s] = x[n][c][s]·scale[c] + bias[c]: batch
// normalisation at inference, folded at import.
func ChannelAffine(dst, x, scale, bias []float32, n, c, spatial int) {
	panic("kernels.ChannelAffine: not implemented")
}

// SoftmaxAxis is Softmax (or, with log, LogSoftmax) over the middle of an
// outer×axis×inner tensor.
func SoftmaxAxis(dst, x []float32, outer, axis, inner int, log bool) {
	panic("kernels.SoftmaxAxis: not implemented")
}

// Reduce reduces x (of shape) over axes into dst (keepdims does not change
// the layout).
func Reduce(dst, x []float32, op ReduceOp, shape, axes []int) {
	panic("kernels.Reduce: not implemented")
}

// Transpose permutes the axes of x (of shape) into dst.
func Transpose(dst, x []float32, shape, perm []int) { panic("kernels.Transpose: not implemented") }

// Concat joins srcs along an axis: dst is outer blocks, each the
// concatenation of inner[i] values of srcs[i].
func Concat(dst []float32, srcs [][]float32, outer int, inner []int) {
	panic("kernels.Concat: not implemented")
}

// Pad pads x (of shape) by begin and end values per axis (negative crops).
func Pad(dst, x []float32, shape, begin, end []int, mode PadMode, value float32) {
	panic("kernels.Pad: not implemented")
}

// Slice copies from x (of shape) the elements starts[i] + j·steps[i], j <
// outShape[i], per axis.
func Slice(dst, x []float32, shape, starts, steps, outShape []int) {
	panic("kernels.Slice: not implemented")
}

// Expand broadcasts x (of xShape, same rank) to outShape.
func Expand(dst, x []float32, outShape, xShape []int) { panic("kernels.Expand: not implemented") }

// Gather takes, for each of outer blocks, the rows idx (negative counts
// from the end) of axisLen rows of inner values.
func Gather(dst, data []float32, idx []int64, outer, axisLen, inner int) {
	panic("kernels.Gather: not implemented")
}

// LayerNorm normalises each of rows rows of cols values, then scales and
// shifts them by scale and bias (cols values each; bias may be nil).
func LayerNorm(dst, x, scale, bias []float32, rows, cols int, eps float32) {
	panic("kernels.LayerNorm: not implemented")
}
