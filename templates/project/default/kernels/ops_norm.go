package kernels

import "math"

// ChannelAffine sets dst[n][c][s] = x[n][c][s]·scale[c] + bias[c] for an
// n×c×spatial tensor: BatchNormalization at inference, with scale =
// γ/√(var+ε) and bias = β - mean·scale computed at import. len(scale) =
// len(bias) = c. dst may be x itself but must not partly overlap it, nor
// overlap scale or bias.
func ChannelAffine(dst, x, scale, bias []float32, n, c, spatial int) {
	const fn = "ChannelAffine"
	atLeast(fn, "n", n, 0)
	atLeast(fn, "c", c, 0)
	atLeast(fn, "spatial", spatial, 0)
	total := mulSize(fn, "x", mulSize(fn, "x", n, c), spatial)
	wantLen(fn, "x", len(x), total, "n*c*spatial = %d*%d*%d", n, c, spatial)
	wantLen(fn, "dst", len(dst), total, "n*c*spatial = %d*%d*%d", n, c, spatial)
	wantLen(fn, "scale", len(scale), c, "c")
	wantLen(fn, "bias", len(bias), c, "c")
	noPartial(fn, "dst", "x", dst, x)
	noOverlap(fn, "dst", "scale", dst, scale)
	noOverlap(fn, "dst", "bias", dst, bias)
	if spatial == 0 {
		return
	}
	for i := range n * c {
		s, b := scale[i%c], bias[i%c]
		d, xs := dst[i*spatial:(i+1)*spatial], x[i*spatial:(i+1)*spatial]
		for j, v := range xs {
			d[j] = float32(v*s) + b
		}
	}
}

// SoftmaxAxis is ONNX Softmax (opset 13+: along one axis) over a tensor
// seen as outer×axis×inner, or with log LogSoftmax: for each outer and
// inner index, over the axis values x_i with largest value m,
//
//	softmax: exp(x_i-m) / Σ exp(x_j-m)    log: x_i - m - log Σ exp(x_j-m)
//
// with the exponentials and sums in float64, except along the last axis
// (inner = 1, not log): there one primitive call computes every row in
// float32 (exp32, lane-wise sums; see prims_tx.go), the same bits natively
// and in WebAssembly. (Softmax of opset 11, which flattens from the axis
// on, is inner = 1.) len(dst) = len(x) =
// outer·axis·inner; dst may be x itself but must not partly overlap it.
func SoftmaxAxis(dst, x []float32, outer, axis, inner int, log bool) {
	const fn = "SoftmaxAxis"
	atLeast(fn, "outer", outer, 0)
	atLeast(fn, "axis", axis, 0)
	atLeast(fn, "inner", inner, 0)
	total := mulSize(fn, "x", mulSize(fn, "x", outer, axis), inner)
	wantLen(fn, "x", len(x), total, "outer*axis*inner = %d*%d*%d", outer, axis, inner)
	wantLen(fn, "dst", len(dst), total, "outer*axis*inner = %d*%d*%d", outer, axis, inner)
	noPartial(fn, "dst", "x", dst, x)
	if total == 0 {
		return
	}
	if inner == 1 && !log {
		// Rows (the last axis, as attention's): one call of the
		// transformer primitive, float32 as prims_tx.go describes.
		softmaxRowsChecked(fn, dst, x, outer, axis)
		return
	}
	for o := range outer {
		for in := range inner {
			softmaxStrided(dst[o*axis*inner+in:], x[o*axis*inner+in:], axis, inner, log)
		}
	}
}

// softmaxStrided is one softmax of n values stride apart.
func softmaxStrided(dst, x []float32, n, stride int, log bool) {
	m := x[0]
	for i := 1; i < n; i++ {
		m = max(m, x[i*stride])
	}
	var sum float64
	for i := range n {
		sum += math.Exp(float64(x[i*stride] - m))
	}
	if log {
		ls := math.Log(sum)
		for i := range n {
			dst[i*stride] = float32(float64(x[i*stride]-m) - ls)
		}
		return
	}
	for i := range n {
		dst[i*stride] = float32(math.Exp(float64(x[i*stride]-m)) / sum)
	}
}

// LayerNorm is ONNX LayerNormalization over the last axes, seen as rows
// rows of cols values: each row is normalised by its mean μ and variance
// σ² (the mean of (x-μ)²),
//
//	dst = (x - μ)/√(σ² + eps) · scale + bias
//
// with scale and bias of cols values (bias nil: none). len(dst) = len(x)
// = rows·cols; dst may be x itself but must not partly overlap it, nor
// overlap scale or bias. It is one call of the transformer primitive:
// float32 with lane-wise sums (prims_tx.go), the same bits natively and in
// WebAssembly.
func LayerNorm(dst, x, scale, bias []float32, rows, cols int, eps float32) {
	const fn = "LayerNorm"
	atLeast(fn, "rows", rows, 0)
	atLeast(fn, "cols", cols, 1)
	total := mulSize(fn, "x", rows, cols)
	wantLen(fn, "x", len(x), total, "rows*cols = %d*%d", rows, cols)
	wantLen(fn, "dst", len(dst), total, "rows*cols = %d*%d", rows, cols)
	wantLen(fn, "scale", len(scale), cols, "cols")
	if bias != nil {
		wantLen(fn, "bias", len(bias), cols, "cols (or bias = nil)")
	}
	noPartial(fn, "dst", "x", dst, x)
	noOverlap(fn, "dst", "scale", dst, scale)
	noOverlap(fn, "dst", "bias", dst, bias)
	if rows > 0 {
		fits32(fn, total)
		layerNorm(dst, x, scale, bias, rows, cols, eps)
	}
}
