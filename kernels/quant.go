package kernels

import (
	"math"
	"unsafe"
)

// Quantized weights: the importer can store the weights of Conv, Gemm and
// MatMul as int8 with one float32 scale per output channel (row), or as
// IEEE half precision (fp16, the raw bits as uint16). These kernels read
// them as they are, converting each weight to float32 in a register as it
// is used: the weights are never expanded in memory. Activations stay
// float32.
//
// int8 rows: w[i][j] stands for float32(q[i][j]) · scale[i]. The products
// q·x are summed first and the sum is scaled once per output:
//
//	y[i] = float32(Σ_j float32(q[i][j])·x[j]) · scale[i] (+ b[i])
//
// fp16: each value converts exactly to float32 (F16ToF32); the sums are
// those of Gemv and Gemm on the converted values.

// GemvQ8 sets y = scale ⊙ (a·x) + b: a is len(y) rows of len(x) int8
// values, scale one float32 per row, b the bias (len(y) values) or nil.
// The sum of each row runs in Go's order natively and in the scalar
// kernels; the SIMD kernel sums in 16 lanes (see docs/kernels.md), as the
// float32 Gemv sums in four. y must not overlap scale, x or b.
func GemvQ8(y []float32, a []int8, scale, x, b []float32) {
	const fn = "GemvQ8"
	m, n := len(y), len(x)
	wantLen(fn, "a", len(a), mulSize(fn, "a", m, n), "len(y)*len(x) = %d*%d", m, n)
	wantLen(fn, "scale", len(scale), m, "len(y)")
	if b != nil {
		wantLen(fn, "b", len(b), m, "len(y) (or b = nil)")
	}
	fits32(fn, len(a))
	noOverlap(fn, "y", "scale", y, scale)
	noOverlap(fn, "y", "x", y, x)
	noOverlap(fn, "y", "b", y, b)
	noOverlapBytes(fn, "y", "a", y, unsafe.Pointer(unsafe.SliceData(a)), len(a))
	if m == 0 {
		return
	}
	q8gemv(y, a, scale, x, b, m, n)
}

// GemmQ8 sets c = scale ⊙ (a·b) + bias: a is m×k int8 values with one
// scale per row, b is k×n float32, c is m×n, bias m values or nil. Each
// output sums its k products in order, then is scaled, then gets its bias:
// every variant gives the same bits. c must not overlap the inputs.
func GemmQ8(c []float32, a []int8, scale, b, bias []float32, m, k, n int) {
	const fn = "GemmQ8"
	atLeast(fn, "m", m, 0)
	atLeast(fn, "k", k, 0)
	atLeast(fn, "n", n, 0)
	wantLen(fn, "c", len(c), mulSize(fn, "c", m, n), "m*n = %d*%d", m, n)
	wantLen(fn, "a", len(a), mulSize(fn, "a", m, k), "m*k = %d*%d", m, k)
	wantLen(fn, "b", len(b), mulSize(fn, "b", k, n), "k*n = %d*%d", k, n)
	wantLen(fn, "scale", len(scale), m, "m")
	if bias != nil {
		wantLen(fn, "bias", len(bias), m, "m (or bias = nil)")
	}
	noOverlap(fn, "c", "b", c, b)
	noOverlap(fn, "c", "scale", c, scale)
	noOverlap(fn, "c", "bias", c, bias)
	noOverlapBytes(fn, "c", "a", c, unsafe.Pointer(unsafe.SliceData(a)), len(a))
	if m == 0 || n == 0 {
		return
	}
	q8gemm(c, a, scale, b, bias, m, k, n)
}

// GemvF16 is Gemv with a in fp16 (IEEE binary16 bits): y = a·x + b.
func GemvF16(y []float32, a []uint16, x, b []float32) {
	const fn = "GemvF16"
	m, n := len(y), len(x)
	wantLen(fn, "a", len(a), mulSize(fn, "a", m, n), "len(y)*len(x) = %d*%d", m, n)
	if b != nil {
		wantLen(fn, "b", len(b), m, "len(y) (or b = nil)")
	}
	fits32(fn, len(a))
	noOverlap(fn, "y", "x", y, x)
	noOverlap(fn, "y", "b", y, b)
	noOverlapBytes(fn, "y", "a", y, unsafe.Pointer(unsafe.SliceData(a)), 2*len(a))
	if m == 0 {
		return
	}
	f16gemv(y, a, x, b, m, n)
}

// GemmF16 is Gemm with a in fp16: c = a·b + bias, each output starting at
// its bias and adding its k products in order (every variant, same bits).
func GemmF16(c []float32, a []uint16, b, bias []float32, m, k, n int) {
	const fn = "GemmF16"
	atLeast(fn, "m", m, 0)
	atLeast(fn, "k", k, 0)
	atLeast(fn, "n", n, 0)
	wantLen(fn, "c", len(c), mulSize(fn, "c", m, n), "m*n = %d*%d", m, n)
	wantLen(fn, "a", len(a), mulSize(fn, "a", m, k), "m*k = %d*%d", m, k)
	wantLen(fn, "b", len(b), mulSize(fn, "b", k, n), "k*n = %d*%d", k, n)
	if bias != nil {
		wantLen(fn, "bias", len(bias), m, "m (or bias = nil)")
	}
	noOverlap(fn, "c", "b", c, b)
	noOverlap(fn, "c", "bias", c, bias)
	noOverlapBytes(fn, "c", "a", c, unsafe.Pointer(unsafe.SliceData(a)), 2*len(a))
	if m == 0 || n == 0 {
		return
	}
	f16gemm(c, a, b, bias, m, k, n)
}

// F16ToF32 converts IEEE binary16 bits to float32, exactly, for finite
// values: the magnitude bits move into float32's place and are scaled by
// 2^112 (which also handles subnormals); the sign is copied. Infinities
// and NaNs are not preserved (they become finite values near 2^16): the
// importer stores only finite tensors in fp16.
func F16ToF32(h uint16) float32 {
	f := math.Float32frombits(uint32(h&0x7fff)<<13) * 0x1p112
	return math.Float32frombits(math.Float32bits(f) | uint32(h&0x8000)<<16)
}

// noOverlapBytes is noOverlap for an output and an input of another
// element type, given by address and byte length.
func noOverlapBytes(fn, out, in string, a []float32, b unsafe.Pointer, nb int) {
	if len(a) == 0 || nb == 0 {
		return
	}
	alo := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	ahi := alo + 4*uintptr(len(a))
	blo := uintptr(b)
	bhi := blo + uintptr(nb)
	if alo < bhi && blo < ahi {
		shapeErr(fn, "%s overlaps %s; use separate buffers", out, in)
	}
}
