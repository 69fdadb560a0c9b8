//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"simd/archsimd"
	"unsafe"
)

// avx2Gemm is goGemm: c[i][j] = bias[i] + Σ_p a[i][p]·b[p][j], p in
// order, every product rounded before its addition (no FMA), so each
// value is goGemm's bit for bit.
//
// b is packed one panel of 16 columns at a time into a contiguous k×16
// buffer, which every tile of rows then streams: b's own rows lie n
// values apart, and for n a multiple of 256 (convolutions of 16×16, 32×32
// planes) a panel's rows all fall into the same L1 cache sets and evict
// each other between tiles. The tiles are 4 rows × 16 columns, whose 8
// accumulators stay in registers: the loop is a function of its own
// (gemmTile) with nothing else live, or the compiler spills them.
func avx2Gemm(c, a, b, bias []float32, m, k, n int) {
	if k == 0 || m == 0 || n == 0 { // no products: the bias alone (the loops below read b)
		goGemm(c, a, b, bias, m, k, n)
		return
	}
	c, a, b = c[:m*n], a[:m*k], b[:k*n]
	var zero [6]float32
	j := 0
	if n >= 16 {
		sp := getScratch(k * 16)
		panel := *sp
		for ; j+16 <= n; j += 16 {
			packPanel(panel, b, k, n, j)
			i := 0
			for ; i+6 <= m; i += 6 {
				bv := &zero[0]
				if bias != nil {
					bv = &bias[i]
				}
				gemmTile6(&c[i*n+j], n, &a[i*k], k, &panel[0], k, bv)
			}
			for ; i+4 <= m; i += 4 {
				bv := (*[4]float32)(zero[:4])
				if bias != nil {
					bv = (*[4]float32)(bias[i : i+4])
				}
				gemmTile4(&c[i*n+j], n, &a[i*k], k, &panel[0], bv)
			}
			for ; i < m; i++ {
				bp := &zero[0]
				if bias != nil {
					bp = &bias[i]
				}
				gemmTile1(&c[i*n+j], &a[i*k], k, &panel[0], bp)
			}
		}
		scratch.Put(sp)
	}
	for ; j+8 <= n; j += 8 {
		for i := range m {
			bp := &zero[0]
			if bias != nil {
				bp = &bias[i]
			}
			ar := a[i*k : (i+1)*k]
			c0 := archsimd.BroadcastFloat32x8(*bp)
			for p, w := range ar {
				c0 = c0.Add(archsimd.BroadcastFloat32x8(w).Mul(archsimd.LoadFloat32x8Slice(b[p*n+j : p*n+j+8])))
			}
			c0.StoreSlice(c[i*n+j:])
		}
	}
	archsimd.ClearAVXUpperBits() // the tail is scalar SSE code
	if j < n {
		for i := range m {
			v := float32(0)
			if bias != nil {
				v = bias[i]
			}
			gemmTail(c[i*n:(i+1)*n], a[i*k:(i+1)*k], b, v, k, n, j)
		}
	}
}

// packPanel copies columns j..j+15 of the k rows of b (n columns) into
// panel, row after row.
func packPanel(panel, b []float32, k, n, j int) {
	panel = panel[:k*16]
	_ = b[(k-1)*n+j+15]
	src := unsafe.Pointer(&b[j])
	dst := unsafe.Pointer(&panel[0])
	for range k {
		archsimd.LoadFloat32x8((*[8]float32)(src)).Store((*[8]float32)(dst))
		archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(src, 32))).Store((*[8]float32)(unsafe.Add(dst, 32)))
		src = unsafe.Add(src, 4*n)
		dst = unsafe.Add(dst, 64)
	}
}

// gemmTile4 computes the 4×16 tile of c at c0 (rows ldc apart) from the
// 4 rows of a at a0 (k values each, lda = k apart) and the packed panel
// (k rows of 16), starting from the 4 biases. Its callers check the
// bounds: the pointers reach c0 + 3·ldc + 15, a0 + 4k − 1 and
// panel + 16k − 1.
//
//go:noinline
func gemmTile4(c0 *float32, ldc int, a0 *float32, k int, panel *float32, bias *[4]float32) {
	c00 := archsimd.BroadcastFloat32x8(bias[0])
	c10 := archsimd.BroadcastFloat32x8(bias[1])
	c20 := archsimd.BroadcastFloat32x8(bias[2])
	c30 := archsimd.BroadcastFloat32x8(bias[3])
	c01, c11, c21, c31 := c00, c10, c20, c30
	ap := unsafe.Pointer(a0)
	bp := unsafe.Pointer(panel)
	lda := uintptr(k) * 4
	for range k {
		x0 := archsimd.LoadFloat32x8((*[8]float32)(bp))
		x1 := archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(bp, 32)))
		w := archsimd.BroadcastFloat32x8(*(*float32)(ap))
		c00 = c00.Add(w.Mul(x0))
		c01 = c01.Add(w.Mul(x1))
		w = archsimd.BroadcastFloat32x8(*(*float32)(unsafe.Add(ap, lda)))
		c10 = c10.Add(w.Mul(x0))
		c11 = c11.Add(w.Mul(x1))
		w = archsimd.BroadcastFloat32x8(*(*float32)(unsafe.Add(ap, 2*lda)))
		c20 = c20.Add(w.Mul(x0))
		c21 = c21.Add(w.Mul(x1))
		w = archsimd.BroadcastFloat32x8(*(*float32)(unsafe.Add(ap, 3*lda)))
		c30 = c30.Add(w.Mul(x0))
		c31 = c31.Add(w.Mul(x1))
		ap = unsafe.Add(ap, 4)
		bp = unsafe.Add(bp, 64)
	}
	cp := unsafe.Pointer(c0)
	ld := uintptr(ldc) * 4
	c00.Store((*[8]float32)(cp))
	c01.Store((*[8]float32)(unsafe.Add(cp, 32)))
	cp = unsafe.Add(cp, ld)
	c10.Store((*[8]float32)(cp))
	c11.Store((*[8]float32)(unsafe.Add(cp, 32)))
	cp = unsafe.Add(cp, ld)
	c20.Store((*[8]float32)(cp))
	c21.Store((*[8]float32)(unsafe.Add(cp, 32)))
	cp = unsafe.Add(cp, ld)
	c30.Store((*[8]float32)(cp))
	c31.Store((*[8]float32)(unsafe.Add(cp, 32)))
}

// gemmTile6 is gemmTile4 for 6 rows, in assembly
// (native_avx2_gemm_amd64.s): its 12 accumulators, 2 panel vectors, the
// broadcast weight and the product take all 16 registers, which the
// compiler does not give (X15 is its zero), and each weight is broadcast
// straight from memory. Its callers check the bounds, as gemmTile4's.
//
//go:noescape
func gemmTile6(c *float32, ldc int, a *float32, lda int, panel *float32, k int, bias *float32)

// gemmTile1 is gemmTile4 for one row. The bias comes by address, as in
// avx2Gemm's other loops: a float32 held in a Go variable is moved with
// SSE instructions, tens of cycles each among 256-bit code.
//
//go:noinline
func gemmTile1(c0 *float32, a0 *float32, k int, panel *float32, bias *float32) {
	acc0 := archsimd.BroadcastFloat32x8(*bias)
	acc1 := acc0
	ap := unsafe.Pointer(a0)
	bp := unsafe.Pointer(panel)
	for range k {
		w := archsimd.BroadcastFloat32x8(*(*float32)(ap))
		acc0 = acc0.Add(w.Mul(archsimd.LoadFloat32x8((*[8]float32)(bp))))
		acc1 = acc1.Add(w.Mul(archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(bp, 32)))))
		ap = unsafe.Add(ap, 4)
		bp = unsafe.Add(bp, 64)
	}
	acc0.Store((*[8]float32)(unsafe.Pointer(c0)))
	acc1.Store((*[8]float32)(unsafe.Add(unsafe.Pointer(c0), 32)))
}
