//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"simd/archsimd"
	"unsafe"
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

// avx2Gemm is goGemm: c[i][j] = bias[i] + Σ_p a[i][p]·b[p][j], p in order.
// Tiles of 4 rows × 16 columns keep 8 accumulators in registers.
func avx2Gemm(c, a, b, bias []float32, m, k, n int) {
	if k == 0 { // no products: the bias alone (the loops below read b)
		goGemm(c, a, b, bias, m, k, n)
		return
	}
	c, a, b = c[:m*n], a[:m*k], b[:k*n]
	i := 0
	for ; i+4 <= m; i += 4 {
		var v [4]float32
		if bias != nil {
			v = [4]float32{bias[i], bias[i+1], bias[i+2], bias[i+3]}
		}
		a0, a1, a2, a3 := a[i*k:(i+1)*k], a[(i+1)*k:(i+2)*k], a[(i+2)*k:(i+3)*k], a[(i+3)*k:(i+4)*k]
		b0 := archsimd.BroadcastFloat32x8(v[0])
		b1 := archsimd.BroadcastFloat32x8(v[1])
		b2 := archsimd.BroadcastFloat32x8(v[2])
		b3 := archsimd.BroadcastFloat32x8(v[3])
		j := 0
		a1, a2, a3 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)]
		for ; j+16 <= n; j += 16 {
			c00, c01, c10, c11, c20, c21, c30, c31 := b0, b0, b1, b1, b2, b2, b3, b3
			// Rows p of b at j: in bounds, as j+16 <= n and p < k (b is
			// k·n long), so the loop reads them without bounds checks.
			bp := unsafe.Pointer(&b[j])
			for p, w0 := range a0 {
				x0 := archsimd.LoadFloat32x8((*[8]float32)(bp))
				x1 := archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(bp, 32)))
				bp = unsafe.Add(bp, 4*n)
				w := archsimd.BroadcastFloat32x8(w0)
				c00 = c00.Add(w.Mul(x0))
				c01 = c01.Add(w.Mul(x1))
				w = archsimd.BroadcastFloat32x8(a1[p])
				c10 = c10.Add(w.Mul(x0))
				c11 = c11.Add(w.Mul(x1))
				w = archsimd.BroadcastFloat32x8(a2[p])
				c20 = c20.Add(w.Mul(x0))
				c21 = c21.Add(w.Mul(x1))
				w = archsimd.BroadcastFloat32x8(a3[p])
				c30 = c30.Add(w.Mul(x0))
				c31 = c31.Add(w.Mul(x1))
			}
			c00.StoreSlice(c[i*n+j:])
			c01.StoreSlice(c[i*n+j+8:])
			c10.StoreSlice(c[(i+1)*n+j:])
			c11.StoreSlice(c[(i+1)*n+j+8:])
			c20.StoreSlice(c[(i+2)*n+j:])
			c21.StoreSlice(c[(i+2)*n+j+8:])
			c30.StoreSlice(c[(i+3)*n+j:])
			c31.StoreSlice(c[(i+3)*n+j+8:])
		}
		for ; j+8 <= n; j += 8 {
			c0, c1, c2, c3 := b0, b1, b2, b3
			for p := range k {
				x := archsimd.LoadFloat32x8Slice(b[p*n+j : p*n+j+8])
				c0 = c0.Add(archsimd.BroadcastFloat32x8(a0[p]).Mul(x))
				c1 = c1.Add(archsimd.BroadcastFloat32x8(a1[p]).Mul(x))
				c2 = c2.Add(archsimd.BroadcastFloat32x8(a2[p]).Mul(x))
				c3 = c3.Add(archsimd.BroadcastFloat32x8(a3[p]).Mul(x))
			}
			c0.StoreSlice(c[i*n+j:])
			c1.StoreSlice(c[(i+1)*n+j:])
			c2.StoreSlice(c[(i+2)*n+j:])
			c3.StoreSlice(c[(i+3)*n+j:])
		}
		archsimd.ClearAVXUpperBits() // the tail is scalar SSE code
		for r := range 4 {
			gemmTail(c[(i+r)*n:(i+r+1)*n], a[(i+r)*k:(i+r+1)*k], b, v[r], k, n, j)
		}
	}
	for ; i < m; i++ {
		v := float32(0)
		if bias != nil {
			v = bias[i]
		}
		ar, cr := a[i*k:(i+1)*k], c[i*n:(i+1)*n]
		bv := archsimd.BroadcastFloat32x8(v)
		j := 0
		for ; j+16 <= n; j += 16 {
			c0, c1 := bv, bv
			for p, w := range ar {
				row := b[p*n+j : p*n+j+16]
				wv := archsimd.BroadcastFloat32x8(w)
				c0 = c0.Add(wv.Mul(archsimd.LoadFloat32x8Slice(row[:8])))
				c1 = c1.Add(wv.Mul(archsimd.LoadFloat32x8Slice(row[8:])))
			}
			c0.StoreSlice(cr[j:])
			c1.StoreSlice(cr[j+8:])
		}
		for ; j+8 <= n; j += 8 {
			c0 := bv
			for p, w := range ar {
				c0 = c0.Add(archsimd.BroadcastFloat32x8(w).Mul(archsimd.LoadFloat32x8Slice(b[p*n+j : p*n+j+8])))
			}
			c0.StoreSlice(cr[j:])
		}
		archsimd.ClearAVXUpperBits()
		gemmTail(cr, ar, b, v, k, n, j)
	}
	archsimd.ClearAVXUpperBits()
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
