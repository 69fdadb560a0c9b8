package kernels

import (
	"math"
	"unsafe"
)

// GemmExQ8 is GemmEx with B stored as int8 rows: y = Act(Alpha·A·Bᵀ +
// Beta·C) where B (N×K, TransB must be set, TransA must not) is w with
// one scale per row (per output column of y). Each row of A runs as one
// GemvQ8, with C folded in as the bias when Alpha = Beta = 1 and C is one
// value per column. The importer transposes a K×N weight to N×K at import.
func GemmExQ8(y, a []float32, w []int8, scale, c []float32, p GemmParams) {
	const fn = "GemmExQ8"
	checkGemmW(fn, y, a, c, p)
	wantLen(fn, "w", len(w), mulSize(fn, "w", p.N, p.K), "N*K (TransB) = %d*%d", p.N, p.K)
	wantLen(fn, "scale", len(scale), p.N, "N")
	noOverlap(fn, "y", "scale", y, scale)
	noOverlapBytes(fn, "y", "w", y, unsafe.Pointer(unsafe.SliceData(w)), len(w))
	gemmRows(y, a, c, p, func(yr, ar, bias []float32) { q8gemv(yr, w, scale, ar, bias, p.N, p.K) })
}

// GemmExF16 is GemmEx with B stored as fp16 rows (N×K; TransB must be set,
// TransA must not): each row of A runs as one GemvF16.
func GemmExF16(y, a []float32, w []uint16, c []float32, p GemmParams) {
	const fn = "GemmExF16"
	checkGemmW(fn, y, a, c, p)
	wantLen(fn, "w", len(w), mulSize(fn, "w", p.N, p.K), "N*K (TransB) = %d*%d", p.N, p.K)
	noOverlapBytes(fn, "y", "w", y, unsafe.Pointer(unsafe.SliceData(w)), 2*len(w))
	gemmRows(y, a, c, p, func(yr, ar, bias []float32) { f16gemv(yr, w, ar, bias, p.N, p.K) })
}

// checkGemmW checks the float32 operands of GemmExQ8 and GemmExF16.
func checkGemmW(fn string, y, a, c []float32, p GemmParams) {
	checkAct(fn, p.Act)
	atLeast(fn, "M", p.M, 0)
	atLeast(fn, "N", p.N, 0)
	atLeast(fn, "K", p.K, 0)
	if p.TransA || !p.TransB {
		shapeErr(fn, "TransA = %s, TransB = %s; want TransA false and TransB true (weights stored N×K)", boolStr(p.TransA), boolStr(p.TransB))
	}
	m, n, k := p.M, p.N, p.K
	fits32(fn, mulSize(fn, "w", n, k))
	wantLen(fn, "y", len(y), mulSize(fn, "y", m, n), "M*N = %d*%d", m, n)
	wantLen(fn, "a", len(a), mulSize(fn, "a", m, k), "M*K = %d*%d", m, k)
	if c != nil {
		if (p.CRows != 1 && p.CRows != m) || (p.CCols != 1 && p.CCols != n) {
			shapeErr(fn, "C is %dx%d, want CRows 1 or M = %d and CCols 1 or N = %d", p.CRows, p.CCols, m, n)
		}
		wantLen(fn, "c", len(c), p.CRows*p.CCols, "CRows*CCols = %d*%d", p.CRows, p.CCols)
	}
	noOverlap(fn, "y", "a", y, a)
	noOverlap(fn, "y", "c", y, c)
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// gemmRows runs row(y_i, a_i, bias) for each row of A, then GemmEx's
// epilogue and activation.
func gemmRows(y, a, c []float32, p GemmParams, row func(yr, ar, bias []float32)) {
	m, n, k := p.M, p.N, p.K
	if m == 0 || n == 0 {
		return
	}
	if p.Beta == 0 {
		c = nil
	}
	if k == 0 {
		clear(y)
	} else {
		var bias []float32
		if p.Alpha == 1 && p.Beta == 1 && c != nil && p.CRows == 1 && p.CCols == n {
			bias, c = c, nil
		}
		for i := range m {
			row(y[i*n:(i+1)*n], a[i*k:(i+1)*k], bias)
		}
	}
	gemmEpilogue(y, c, p)
	if p.Act.Op != ActNone {
		activateRange(y, y, p.Act)
	}
}

// ConvQ8 is Conv with int8 weights (OutC·InC/Group·∏Kernel values, one
// scale per output channel): each group's im2col matrix is multiplied by
// GemmQ8. When all the weights fit DepthwiseTile (lenet's first
// convolution: 6·25), it dequantizes them into a tile (in scratch), w =
// float32(q)·scale[oc] rounded once, and runs Conv on them: the bits of
// Conv with the dequantized weights (ConvQ8UsesTile). A depthwise convolution (Group = InC > 1) dequantizes the
// weights of a few channels at a time (DepthwiseTile values, at most)
// into a small buffer on the stack, w = float32(q)·scale[oc] rounded once,
// and runs Conv's depthwise kernel on them: its outputs are those of Conv
// with the dequantized weights, bit for bit.
func ConvQ8(dst, src []float32, w []int8, scale, b, scratch []float32, p ConvParams) {
	const fn = "ConvQ8"
	c := checkConvW(fn, dst, src, len(w), b, scratch, p)
	wantLen(fn, "scale", len(scale), c.outC, "OutC")
	noOverlap(fn, "dst", "scale", dst, scale)
	noOverlapBytes(fn, "dst", "w", dst, unsafe.Pointer(unsafe.SliceData(w)), len(w))
	if c.depthwise() {
		convDW(dst, src, w, scale, nil, b, &c, p)
		return
	}
	kk := c.icg * c.ks
	if c.q8Small() {
		// All the weights fit the tile: dequantize them into it and run
		// Conv, whose Gemm adds the bias (GemmQ8 would scale and add it in
		// a pass of its own over the output). The tile is in scratch
		// after ConvScratch(p) (ConvQ8Scratch): on the stack it would move
		// to the heap in WebAssembly, where its address goes to a kernel.
		var t []float32
		if need := c.scratch(); len(scratch) >= need+len(w) {
			t = scratch[need : need+len(w)]
		} else {
			t = make([]float32, len(w))
		}
		for oc := range c.outC {
			s := scale[oc]
			for j, q := range w[oc*kk : (oc+1)*kk] {
				t[oc*kk+j] = float32(float32(q) * s)
			}
		}
		for n := range c.n {
			dn := dst[n*c.outC*c.os : (n+1)*c.outC*c.os]
			convGroups(dn, src[n*c.inC*c.is:(n+1)*c.inC*c.is], t, b, scratch, &c, src, n, p)
			if p.Act.Op != ActNone {
				activateRange(dn, dn, p.Act)
			}
		}
		return
	}
	var tile []float32
	if need, rows := c.scratch(), q8TileRows(kk, c.ocg); Accelerated && c.os >= q8TileMinOut && len(scratch) >= need+rows*kk {
		tile = scratch[need : need+rows*kk]
	}
	convW(dst, src, b, scratch, &c, p, func(dg []float32, g int, col, bg []float32) {
		wg, sg := w[g*c.ocg*kk:(g+1)*c.ocg*kk], scale[g*c.ocg:(g+1)*c.ocg]
		if tile != nil {
			q8gemmTile(dg, wg, sg, col, bg, tile, c.ocg, kk, c.os)
			return
		}
		q8gemm(dg, wg, sg, col, bg, c.ocg, kk, c.os)
	})
}

// q8Small: the convolution is not depthwise and all its weights fit
// DepthwiseTile. Such a convolution is small (at most 256
// multiply-adds an output), and the pass of GemmQ8 or q8gemmTile that
// scales each output and adds its bias costs more than the integer
// weights save: in Chromium, lenet's first convolution (6·25·784) took
// 1.2–1.5× float32's Gemm through q8gemmTile (1.3–1.6× with q8gemm),
// and lenet's int8 model 0.96–1.02× the float32 model by direct calls.
func (c *conv) q8Small() bool {
	return !c.depthwise() && c.outC*c.icg*c.ks <= DepthwiseTile
}

// ConvQ8UsesTile tells whether ConvQ8 dequantizes all the weights of p
// into a tile and runs Conv (q8Small): the importer's wasm back end
// lowers the same choice.
func ConvQ8UsesTile(p ConvParams) bool {
	c := checkConv("ConvQ8UsesTile", p)
	return c.q8Small()
}

// ConvQ8Scratch is the scratch length ConvQ8 runs fastest with in
// WebAssembly: ConvScratch(p), then room for the weights of a few output
// channels (q8TileRows) widened to float32, which the float32 Gemm kernel
// multiplies: each weight is widened once per image and group, not once
// per 16 outputs, and the bits are the same (float32(q) is exact; each
// output sums its products from 0 in order, then is scaled, then gets its
// bias, as GemmQ8). With less scratch (at least ConvScratch(p)), ConvQ8
// runs GemmQ8's kernel. 0 for a depthwise convolution; ConvScratch(p)
// below 512 outputs per channel, where the tile does not pay. Where all
// the weights fit DepthwiseTile (ConvQ8UsesTile), ConvScratch(p) then
// room for them dequantized (with less, ConvQ8 allocates it; the bits
// are the same).
func ConvQ8Scratch(p ConvParams) int {
	c := checkConv("ConvQ8Scratch", p)
	if c.depthwise() {
		return 0
	}
	kk := c.icg * c.ks
	if c.q8Small() {
		return c.scratch() + c.outC*kk // all the weights, dequantized
	}
	if c.os < q8TileMinOut {
		return c.scratch() // no tile: GemmQ8's kernel
	}
	return c.scratch() + q8TileRows(kk, c.ocg)*kk
}

// q8TileMinOut: GemmQ8's kernel widens each weight once per 16 outputs,
// 4 weights in about 3 instructions; Go compiled to WebAssembly widens one
// in about 15. Below 512 outputs per channel the tile does not pay (in
// Chromium, cifar_cnn's int8 model was 9% slower than float32 with the
// tile from 64 outputs: its last convolution widened 18,432 weights in Go
// for 64 outputs each).
const q8TileMinOut = 512

// q8TileRows is how many output channels of k weights ConvQ8 widens at a
// time: up to 8, within 2048 values (8 KiB), at least 2 (the float32 Gemm
// kernel's pair), at most ocg.
func q8TileRows(k, ocg int) int {
	return min(ocg, max(2, min(8, 2048/max(k, 1))))
}

// q8gemmTile is q8gemm through the float32 Gemm kernel: rows of a widened
// into tile (len(tile)/k rows at a time), c = tile·b from 0, then each row
// scaled and given its bias by the ActScale kernel (Alpha·x + Beta, the
// product rounded first; Beta −0 without a bias, which adds nothing, not
// even to a −0).
func q8gemmTile(c []float32, a []int8, scale, b, bias, tile []float32, m, k, n int) {
	rows := len(tile) / k
	negZero := float32(math.Copysign(0, -1))
	for i := 0; i < m; i += rows {
		r := min(rows, m-i)
		t := tile[:r*k]
		for j, q := range a[i*k : (i+r)*k] {
			t[j] = float32(q)
		}
		gemm(c[i*n:(i+r)*n], t, b, nil, r, k, n)
		for ii := i; ii < i+r; ii++ {
			beta := negZero
			if bias != nil {
				beta = bias[ii]
			}
			row := c[ii*n : (ii+1)*n]
			act(row, row, Act{Op: ActScale, Alpha: scale[ii], Beta: beta})
		}
	}
}

// ConvF16 is Conv with fp16 weights. A depthwise convolution converts
// the weights of a few channels at a time (exactly, F16ToF32) into a small
// buffer on the stack, as ConvQ8 does.
func ConvF16(dst, src []float32, w []uint16, b, scratch []float32, p ConvParams) {
	const fn = "ConvF16"
	c := checkConvW(fn, dst, src, len(w), b, scratch, p)
	noOverlapBytes(fn, "dst", "w", dst, unsafe.Pointer(unsafe.SliceData(w)), 2*len(w))
	if c.depthwise() {
		convDW(dst, src, nil, nil, w, b, &c, p)
		return
	}
	kk := c.icg * c.ks
	convW(dst, src, b, scratch, &c, p, func(dg []float32, g int, col, bg []float32) {
		f16gemm(dg, w[g*c.ocg*kk:(g+1)*c.ocg*kk], col, bg, c.ocg, kk, c.os)
	})
}

// checkConvW checks the operands of ConvQ8 and ConvF16 but the weights'
// own slice.
func checkConvW(fn string, dst, src []float32, nw int, b, scratch []float32, p ConvParams) conv {
	c := checkConv(fn, p)
	if c.depthwise() && c.ocg*c.ks > DepthwiseTile {
		shapeErr(fn, "a depthwise convolution of %d weights per input channel (OutC/InC*Kernel = %d*%s); quantized depthwise weights are read %d per channel at most: use Conv with float32 weights", c.ocg*c.ks, c.ocg, dims(p.Kernel), DepthwiseTile)
	}
	wantLen(fn, "src", len(src), mulSize(fn, "src", c.n*c.inC, c.is), "N*InC*In = %d*%d*%s", c.n, c.inC, p.In)
	wantLen(fn, "dst", len(dst), mulSize(fn, "dst", c.n*c.outC, c.os), "N*OutC*Out = %d*%d*%s", c.n, c.outC, p.Out)
	wantLen(fn, "w", nw, c.outC*c.icg*c.ks, "OutC*InC/Group*Kernel = %d*%d/%d*%s", c.outC, c.inC, c.group, p.Kernel)
	if b != nil {
		wantLen(fn, "b", len(b), c.outC, "OutC (or b = nil)")
	}
	if need := c.scratch(); len(scratch) < need {
		shapeErr(fn, "len(scratch) = %d, want >= ConvScratch(p) = InC/Group*Kernel*Out = %d*%s*%s = %d", len(scratch), c.icg, dims(p.Kernel), dims(p.Out), need)
	}
	noOverlap(fn, "dst", "src", dst, src)
	noOverlap(fn, "dst", "b", dst, b)
	noOverlap(fn, "dst", "scratch", dst, scratch)
	noOverlap(fn, "scratch", "src", scratch, src)
	noOverlap(fn, "scratch", "b", scratch, b)
	return c
}

// convW runs each image and group of a convolution as im2col (unless
// pointwise) and mul, then the activation.
func convW(dst, src, b, scratch []float32, c *conv, p ConvParams, mul func(dg []float32, g int, col, bg []float32)) {
	kk := c.icg * c.ks
	for n := range c.n {
		sn := src[n*c.inC*c.is : (n+1)*c.inC*c.is]
		dn := dst[n*c.outC*c.os : (n+1)*c.outC*c.os]
		for g := range c.group {
			sg := sn[g*c.icg*c.is : (g+1)*c.icg*c.is]
			var bg []float32
			if b != nil {
				bg = b[g*c.ocg : (g+1)*c.ocg]
			}
			col := sg
			if !c.pointwise() {
				col = scratch[:kk*c.os]
				if Accelerated {
					Im2colConv(col, src, p, n, g)
				} else {
					im2colGroup(col, sg, c)
				}
			}
			mul(dn[g*c.ocg*c.os:(g+1)*c.ocg*c.os], g, col, bg)
		}
		if p.Act.Op != ActNone {
			activateRange(dn, dn, p.Act)
		}
	}
}

// DepthwiseTile is how many weights ConvQ8 and ConvF16 widen to float32 at
// a time in a depthwise convolution: the channels of a tile (at least one,
// so a channel's OutC/InC·∏Kernel weights must fit) go through Conv's
// depthwise kernel together. 1 KiB on the stack; the weights in memory
// stay int8 or fp16.
const DepthwiseTile = 256

// convDW is a depthwise ConvQ8 (w8, scale) or ConvF16 (w16): for each tile
// of input channels it widens their weights into tile and runs the float
// depthwise kernel (the SIMD one when Accelerated and OutC = InC, as Conv
// does) on those channels alone.
func convDW(dst, src []float32, w8 []int8, scale []float32, w16 []uint16, b []float32, c *conv, p ConvParams) {
	mult := c.ocg // output channels per input channel
	per := mult * c.ks
	cc := DepthwiseTile / per // input channels per tile
	var tile [DepthwiseTile]float32
	accel := Accelerated && mult == 1
	var g geom
	actDone := false
	if accel {
		g = convGeom("ConvQ8", p)
		if actDone = actSupported(p.Act.Op); actDone {
			g[gOp] = int32(p.Act.Op)
			g[gAlpha] = int32(math.Float32bits(p.Act.Alpha))
			g[gBeta] = int32(math.Float32bits(p.Act.Beta))
		}
	}
	for n := range c.n {
		for c0 := 0; c0 < c.inC; c0 += cc {
			k := min(cc, c.inC-c0)
			o0, o1 := c0*mult, (c0+k)*mult
			t := tile[:k*per]
			if w8 != nil {
				for oc := o0; oc < o1; oc++ {
					s := scale[oc]
					for j, q := range w8[oc*c.ks : (oc+1)*c.ks] {
						t[(oc-o0)*c.ks+j] = float32(float32(q) * s)
					}
				}
			} else {
				for j, h := range w16[o0*c.ks : o1*c.ks] {
					t[j] = F16ToF32(h)
				}
			}
			sn := src[(n*c.inC+c0)*c.is : (n*c.inC+c0+k)*c.is]
			dn := dst[(n*c.outC+o0)*c.os : (n*c.outC+o1)*c.os]
			var bn []float32
			if b != nil {
				bn = b[o0:o1]
			}
			if accel {
				g[gC] = int32(k)
				dwConv(dn, sn, t, bn, &g)
			} else {
				sub := *c
				sub.inC, sub.outC, sub.group = k, k*mult, k
				depthwiseConv(dn, sn, t, bn, &sub)
			}
			if !actDone && p.Act.Op != ActNone {
				activateRange(dn, dn, p.Act)
			}
		}
	}
}
