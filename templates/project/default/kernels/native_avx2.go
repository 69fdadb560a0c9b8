//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"simd/archsimd"
)

// Each function ends its 256-bit code with VZEROUPPER
// (archsimd.ClearAVXUpperBits): Go 1.26 does not emit it, and the SSE code
// that follows (math.Exp, math.Tanh in the activations) otherwise ran 30
// times slower on the dirty upper halves (audio1d: 88% of its time).
//
// The AVX2 twins of the pure-Go primitives, for native amd64 builds with
// GOEXPERIMENT=simd (Go 1.26). Each output value is computed with the same
// operations in the same order as in purego.go: 8 lanes over 8 independent
// outputs, every product rounded before its addition (no FMA), so the
// results are bit for bit those of the pure-Go kernels, and so of the
// WebAssembly kernels the browser runs (prims_avx2_test.go checks it).

// NativeSIMD names the native kernels this build runs: "avx2" when the CPU
// has AVX2, "" for the pure-Go loops.
var NativeSIMD = nativeSIMD()

var useAVX2 = archsimd.X86.AVX2()

// kernelPaths: the pooling ops take the WebAssembly build's path (Pool,
// whose pure-Go twin equals the kernel bit for bit) rather than pool2D,
// which sums an average in float64 where the kernel sums in float32, so
// that a native answer is the browser's. The other ops' native loops
// already compute in the kernels' order.
var kernelPaths = useAVX2

func nativeSIMD() string {
	if useAVX2 {
		return "avx2"
	}
	return ""
}

// gemmTail computes columns j0.. of one row of c as goGemm does.
func gemmTail(cr, ar, b []float32, v float32, k, n, j0 int) {
	for j := j0; j < n; j++ {
		s := v
		for p := range k {
			s += float32(ar[p] * b[p*n+j])
		}
		cr[j] = s
	}
}

// avx2Axpy is goAxpy: y[i] += alpha·x[i].
func avx2Axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	av := archsimd.BroadcastFloat32x8(alpha)
	i := 0
	for ; i+8 <= len(x); i += 8 {
		yv := archsimd.LoadFloat32x8Slice(y[i : i+8])
		yv.Add(av.Mul(archsimd.LoadFloat32x8Slice(x[i : i+8]))).StoreSlice(y[i : i+8])
	}
	archsimd.ClearAVXUpperBits()
	for ; i < len(x); i++ {
		y[i] += float32(alpha * x[i])
	}
}

func avx2Add(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		archsimd.LoadFloat32x8Slice(x[i : i+8]).Add(archsimd.LoadFloat32x8Slice(y[i : i+8])).StoreSlice(dst[i : i+8])
	}
	archsimd.ClearAVXUpperBits()
	for ; i < len(dst); i++ {
		dst[i] = x[i] + y[i]
	}
}

func avx2Mul(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		archsimd.LoadFloat32x8Slice(x[i : i+8]).Mul(archsimd.LoadFloat32x8Slice(y[i : i+8])).StoreSlice(dst[i : i+8])
	}
	archsimd.ClearAVXUpperBits()
	for ; i < len(dst); i++ {
		dst[i] = x[i] * y[i]
	}
}

// avx2ReLU is goReLU: v < 0 becomes +0; NaN and −0 stay as they are (a
// compare and a blend, not VMAXPS, whose NaN and zero rules differ).
func avx2ReLU(dst, x []float32) {
	x = x[:len(dst)]
	var zero archsimd.Float32x8
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		v := archsimd.LoadFloat32x8Slice(x[i : i+8])
		zero.Merge(v, v.Less(zero)).StoreSlice(dst[i : i+8])
	}
	archsimd.ClearAVXUpperBits()
	for ; i < len(dst); i++ {
		v := x[i]
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// dot and gemv: the SIMD WebAssembly kernels (simd.wat) sum each row in
// lanes, not one value after the other as goDot does, and the browser
// runs those; the AVX2 dot and gemv sum in the same lanes in the same
// order, so they equal the browser's SIMD variant bit for bit:
//
//	A (8 lanes) += x[j:j+8]·y[j:j+8] while 8 values remain
//	lo, hi = A[0:4], A[4:8]; lo += x[j:j+4]·y[j:j+4] if 4 remain
//	v = lo + hi; s = (v0 + v2) + (v1 + v3)
//	s += x[j]·y[j] for the rest, one at a time

// avx2Dot is the SIMD kernel's dot.
func avx2Dot(x, y []float32) float32 {
	y = y[:len(x)]
	var acc archsimd.Float32x8
	j := 0
	for ; j+8 <= len(x); j += 8 {
		acc = acc.Add(archsimd.LoadFloat32x8Slice(x[j : j+8]).Mul(archsimd.LoadFloat32x8Slice(y[j : j+8])))
	}
	var v [4]float32
	j = dotLanes(acc, x, y, j, &v)
	archsimd.ClearAVXUpperBits() // before the scalar tail: no vector is live
	return dotTail(&v, x, y, j)
}

// dotLanes is the vector end of the SIMD kernel's dot from column j: the
// 4-wide step and the halves' sum, into v; it returns the next column.
func dotLanes(acc archsimd.Float32x8, x, y []float32, j int, v *[4]float32) int {
	lo, hi := acc.GetLo(), acc.GetHi()
	if j+4 <= len(x) {
		lo = lo.Add(archsimd.LoadFloat32x4Slice(x[j : j+4]).Mul(archsimd.LoadFloat32x4Slice(y[j : j+4])))
		j += 4
	}
	lo.Add(hi).Store(v)
	return j
}

// dotTail is the scalar end: the lanes' sum, then the values left one at
// a time. Callers clear the AVX upper halves first: scalar SSE code after
// 256-bit code runs many times slower on some CPUs otherwise.
func dotTail(v *[4]float32, x, y []float32, j int) float32 {
	s := (v[0] + v[2]) + (v[1] + v[3])
	for ; j < len(x); j++ {
		s += float32(x[j] * y[j])
	}
	return s
}

// avx2Gemv is the SIMD kernel's gemv: y[i] = (b[i] or 0) + dot(a[i·n:],
// x), four rows at a time sharing each load of x.
func avx2Gemv(y, a, x, b []float32, m, n int) {
	a, x = a[:m*n], x[:n]
	i := 0
	for ; i+4 <= m; i += 4 {
		r0, r1, r2, r3 := a[i*n:(i+1)*n], a[(i+1)*n:(i+2)*n], a[(i+2)*n:(i+3)*n], a[(i+3)*n:(i+4)*n]
		var c0, c1, c2, c3 archsimd.Float32x8
		j := 0
		for ; j+8 <= n; j += 8 {
			xv := archsimd.LoadFloat32x8Slice(x[j : j+8])
			c0 = c0.Add(archsimd.LoadFloat32x8Slice(r0[j : j+8]).Mul(xv))
			c1 = c1.Add(archsimd.LoadFloat32x8Slice(r1[j : j+8]).Mul(xv))
			c2 = c2.Add(archsimd.LoadFloat32x8Slice(r2[j : j+8]).Mul(xv))
			c3 = c3.Add(archsimd.LoadFloat32x8Slice(r3[j : j+8]).Mul(xv))
		}
		var v [4][4]float32
		jt := dotLanes(c0, r0, x, j, &v[0])
		dotLanes(c1, r1, x, j, &v[1])
		dotLanes(c2, r2, x, j, &v[2])
		dotLanes(c3, r3, x, j, &v[3])
		archsimd.ClearAVXUpperBits()
		s := [4]float32{dotTail(&v[0], r0, x, jt), dotTail(&v[1], r1, x, jt), dotTail(&v[2], r2, x, jt), dotTail(&v[3], r3, x, jt)}
		for r := range 4 {
			v := float32(0) // the kernel adds 0 without a bias: −0 becomes +0
			if b != nil {
				v = b[i+r]
			}
			y[i+r] = v + s[r]
		}
	}
	for ; i < m; i++ {
		v := float32(0)
		if b != nil {
			v = b[i]
		}
		y[i] = v + avx2Dot(a[i*n:(i+1)*n], x)
	}
	archsimd.ClearAVXUpperBits()
}
