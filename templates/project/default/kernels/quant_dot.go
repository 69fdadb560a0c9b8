package kernels

import (
	"math"
	"unsafe"
)

// Integer dot products for int8 weights. GemvQ8 and GemmQ8 widen each
// int8 weight to float32 and multiply-add in float32: more instructions
// per product than the float32 kernels. The *Q8Dot kernels quantize the
// activations instead, at run time and with no calibration, and multiply
// integers:
//
//   - Q8Act quantizes a k×n float32 matrix (a vector is k×1) with one scale
//     for the whole matrix, symmetric, to int16 within ±Q8ActBound:
//     m = max|x|, inv = Q8ActBound/m, q = round-half-even(x·inv) (each
//     product rounded to float32 first), sa = m/Q8ActBound. It stores the
//     values as pairs along k, one int32 per pair (row 2t in the low half,
//     row 2t+1 in the high half, 0 past the last row): ceil(k/2) rows of n
//     pairs. For a vector that is the int16 values in order, padded to an
//     even count. It returns sa, or 0 when the matrix cannot be quantized
//     (a NaN or infinity, all zeros, or max|x| so small that inv overflows):
//     the callers then run the float kernel (GemvQ8, GemmQ8).
//   - GemvQ8Dot and GemmQ8Dot sum int8 weight × int16 activation in int32
//     (exact, so the order of the sum does not matter: every variant gives
//     the same bits) and scale once: y = float32(acc)·float32(scale·sa) (+ b).
//     The WebAssembly kernel multiplies eight weights by eight activations
//     with one i32x4.dot_i16x8_s; the activations' pair layout lets a gemm
//     multiply two k at a time against four output columns.
//
// No int32 sum can overflow: each product is at most 128·4095 = 524,160 in
// magnitude (an int8 weight is in [-128, 127], an activation in ±4095), so
// any partial sum of at most Q8DotMaxK = 4096 products is at most
// 4096·524,160 = 2,146,959,360 < 2^31−1 = 2,147,483,647, in any order
// (TestQ8DotLargestK sums 4096 products of −128 and −4095). Larger K runs
// the float kernels. The activations' rounding error (at most max|x|/8190)
// is far under the int8 weights' (max|w|/254 per row).

// Q8ActBound is the largest magnitude of a quantized activation.
const Q8ActBound = 4095

// Q8DotMaxK is the largest K the integer kernels take (see above).
const Q8DotMaxK = 4096

// Q8Act quantizes the k×n matrix x into dst (ceil(k/2)·n pairs) and
// returns the activation scale, or 0 (dst then unspecified).
func Q8Act(dst []int32, x []float32, k, n int) float32 {
	const fn = "Q8Act"
	atLeast(fn, "k", k, 0)
	atLeast(fn, "n", n, 0)
	wantLen(fn, "x", len(x), mulSize(fn, "x", k, n), "k*n = %d*%d", k, n)
	wantLen(fn, "dst", len(dst), mulSize(fn, "dst", (k+1)/2, n), "ceil(k/2)*n = %d*%d", (k+1)/2, n)
	fits32(fn, len(x))
	noOverlapBytes(fn, "x", "dst", x, unsafe.Pointer(unsafe.SliceData(dst)), 4*len(dst))
	if k == 0 || n == 0 {
		return 0
	}
	return q8act(dst, x, k, n)
}

// GemvQ8Dot sets y = float32(a·xq)·float32(scale·sa) (+ b): a is len(y)
// rows of n int8 values (n ≤ Q8DotMaxK), xq the n activations of Q8Act
// (a vector: ceil(n/2) pairs) and sa their scale.
func GemvQ8Dot(y []float32, a []int8, scale []float32, xq []int32, sa float32, b []float32, n int) {
	const fn = "GemvQ8Dot"
	m := len(y)
	atLeast(fn, "n", n, 0)
	if n > Q8DotMaxK {
		shapeErr(fn, "n = %d, want <= Q8DotMaxK = %d (an int32 sum could overflow); use GemvQ8", n, Q8DotMaxK)
	}
	wantLen(fn, "a", len(a), mulSize(fn, "a", m, n), "len(y)*n = %d*%d", m, n)
	wantLen(fn, "scale", len(scale), m, "len(y)")
	wantLen(fn, "xq", len(xq), (n+1)/2, "ceil(n/2)")
	if b != nil {
		wantLen(fn, "b", len(b), m, "len(y) (or b = nil)")
	}
	fits32(fn, len(a))
	noOverlap(fn, "y", "scale", y, scale)
	noOverlap(fn, "y", "b", y, b)
	noOverlapBytes(fn, "y", "a", y, unsafe.Pointer(unsafe.SliceData(a)), len(a))
	noOverlapBytes(fn, "y", "xq", y, unsafe.Pointer(unsafe.SliceData(xq)), 4*len(xq))
	if m == 0 {
		return
	}
	q8dotgemv(y, a, scale, xq, sa, b, m, n)
}

// GemmQ8Dot sets c = float32(a·bq)·float32(scale·sa) (+ bias): a is m×k
// int8 (k ≤ Q8DotMaxK), bq the k×n activations of Q8Act and sa their
// scale, c m×n, bias m values or nil.
func GemmQ8Dot(c []float32, a []int8, scale []float32, bq []int32, sa float32, bias []float32, m, k, n int) {
	const fn = "GemmQ8Dot"
	atLeast(fn, "m", m, 0)
	atLeast(fn, "k", k, 0)
	atLeast(fn, "n", n, 0)
	if k > Q8DotMaxK {
		shapeErr(fn, "k = %d, want <= Q8DotMaxK = %d (an int32 sum could overflow); use GemmQ8", k, Q8DotMaxK)
	}
	wantLen(fn, "c", len(c), mulSize(fn, "c", m, n), "m*n = %d*%d", m, n)
	wantLen(fn, "a", len(a), mulSize(fn, "a", m, k), "m*k = %d*%d", m, k)
	wantLen(fn, "bq", len(bq), mulSize(fn, "bq", (k+1)/2, n), "ceil(k/2)*n = %d*%d", (k+1)/2, n)
	wantLen(fn, "scale", len(scale), m, "m")
	if bias != nil {
		wantLen(fn, "bias", len(bias), m, "m (or bias = nil)")
	}
	noOverlap(fn, "c", "scale", c, scale)
	noOverlap(fn, "c", "bias", c, bias)
	noOverlapBytes(fn, "c", "a", c, unsafe.Pointer(unsafe.SliceData(a)), len(a))
	noOverlapBytes(fn, "c", "bq", c, unsafe.Pointer(unsafe.SliceData(bq)), 4*len(bq))
	if m == 0 || n == 0 {
		return
	}
	q8dotgemm(c, a, scale, bq, sa, bias, m, k, n)
}

// goQ8Act is Q8Act in Go: the reference of the kernels.
func goQ8Act(dst []int32, x []float32, k, n int) float32 {
	x = x[:k*n]
	var mx uint32
	for _, v := range x {
		mx = max(mx, math.Float32bits(v)&^(1<<31))
	}
	if mx == 0 || mx >= 0x7f800000 {
		return 0
	}
	m := math.Float32frombits(mx)
	inv := float32(Q8ActBound) / m
	if inv > math.MaxFloat32 {
		return 0
	}
	q := func(v float32) uint32 { return uint32(int32(math.RoundToEven(float64(float32(v * inv))))) }
	for t := range (k + 1) / 2 {
		lo := x[2*t*n : 2*t*n+n]
		d := dst[t*n : t*n+n]
		if 2*t+1 < k {
			hi := x[(2*t+1)*n : (2*t+1)*n+n]
			for j := range d {
				d[j] = int32(q(lo[j])&0xffff | q(hi[j])<<16)
			}
		} else {
			for j := range d {
				d[j] = int32(q(lo[j]) & 0xffff)
			}
		}
	}
	return m / Q8ActBound
}

// q8pair returns the two int16 activations of a pair.
func q8pair(v int32) (lo, hi int32) { return int32(int16(v)), v >> 16 }

func goQ8DotGemv(y []float32, a []int8, scale []float32, xq []int32, sa float32, b []float32, m, n int) {
	for i := range m {
		row := a[i*n : i*n+n]
		var acc int32
		for j := 0; j+1 < n; j += 2 {
			lo, hi := q8pair(xq[j/2])
			acc += int32(row[j])*lo + int32(row[j+1])*hi
		}
		if n%2 == 1 {
			lo, _ := q8pair(xq[n/2])
			acc += int32(row[n-1]) * lo
		}
		v := float32(float32(acc) * float32(scale[i]*sa))
		if b != nil {
			v += b[i]
		}
		y[i] = v
	}
}

func goQ8DotGemm(c []float32, a []int8, scale []float32, bq []int32, sa float32, bias []float32, m, k, n int) {
	var accs [64]int32
	for i := range m {
		row := a[i*k : i*k+k]
		s := float32(scale[i] * sa)
		for j0 := 0; j0 < n; j0 += len(accs) {
			acc := accs[:min(len(accs), n-j0)]
			clear(acc)
			for t := range (k + 1) / 2 {
				w0, w1 := int32(row[2*t]), int32(0)
				if 2*t+1 < k {
					w1 = int32(row[2*t+1])
				}
				for j, v := range bq[t*n+j0 : t*n+j0+len(acc)] {
					lo, hi := q8pair(v)
					acc[j] += w0*lo + w1*hi
				}
			}
			out := c[i*n+j0 : i*n+j0+len(acc)]
			for j, v := range acc {
				f := float32(float32(v) * s)
				if bias != nil {
					f += bias[i]
				}
				out[j] = f
			}
		}
	}
}
