package kernels

import "unsafe"

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
// GemmQ8. Depthwise convolutions (Group = InC > 1) are refused: their
// weights are small and the importer keeps them float32.
func ConvQ8(dst, src []float32, w []int8, scale, b, scratch []float32, p ConvParams) {
	const fn = "ConvQ8"
	c := checkConvW(fn, dst, src, len(w), b, scratch, p)
	wantLen(fn, "scale", len(scale), c.outC, "OutC")
	noOverlap(fn, "dst", "scale", dst, scale)
	noOverlapBytes(fn, "dst", "w", dst, unsafe.Pointer(unsafe.SliceData(w)), len(w))
	kk := c.icg * c.ks
	convW(dst, src, b, scratch, &c, p, func(dg []float32, g int, col, bg []float32) {
		q8gemm(dg, w[g*c.ocg*kk:(g+1)*c.ocg*kk], scale[g*c.ocg:(g+1)*c.ocg], col, bg, c.ocg, kk, c.os)
	})
}

// ConvF16 is Conv with fp16 weights; depthwise convolutions are refused.
func ConvF16(dst, src []float32, w []uint16, b, scratch []float32, p ConvParams) {
	const fn = "ConvF16"
	c := checkConvW(fn, dst, src, len(w), b, scratch, p)
	noOverlapBytes(fn, "dst", "w", dst, unsafe.Pointer(unsafe.SliceData(w)), 2*len(w))
	kk := c.icg * c.ks
	convW(dst, src, b, scratch, &c, p, func(dg []float32, g int, col, bg []float32) {
		f16gemm(dg, w[g*c.ocg*kk:(g+1)*c.ocg*kk], col, bg, c.ocg, kk, c.os)
	})
}

// checkConvW checks the operands of ConvQ8 and ConvF16 but the weights'
// own slice.
func checkConvW(fn string, dst, src []float32, nw int, b, scratch []float32, p ConvParams) conv {
	c := checkConv(fn, p)
	if c.depthwise() {
		shapeErr(fn, "Group = InC = %d: a depthwise convolution; use Conv (its weights stay float32)", c.group)
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
