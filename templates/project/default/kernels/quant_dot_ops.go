package kernels

import "unsafe"

// GemmExQ8Dot is GemmExQ8 on integer dot products (quant_dot.go): each
// row of A is quantized by Q8Act into a buffer on the stack and multiplied
// by GemvQ8Dot. A row that Q8Act cannot quantize, or K > Q8DotMaxK, runs
// GemmExQ8's GemvQ8. Every variant gives the same bits.
func GemmExQ8Dot(y, a []float32, w []int8, scale, c []float32, p GemmParams) {
	const fn = "GemmExQ8Dot"
	checkGemmW(fn, y, a, c, p)
	wantLen(fn, "w", len(w), mulSize(fn, "w", p.N, p.K), "N*K (TransB) = %d*%d", p.N, p.K)
	wantLen(fn, "scale", len(scale), p.N, "N")
	noOverlap(fn, "y", "scale", y, scale)
	noOverlapBytes(fn, "y", "w", y, unsafe.Pointer(unsafe.SliceData(w)), len(w))
	m, n, k := p.M, p.N, p.K
	if m == 0 || n == 0 {
		return
	}
	if p.Beta == 0 {
		c = nil
	}
	// gemmRows, with the buffer in this frame: captured by a closure, it
	// would move to the heap (TestQ8DotCallsAllocateNothing).
	var buf [Q8DotMaxK / 2]int32
	xq := buf[:(min(k, Q8DotMaxK)+1)/2]
	if k == 0 {
		clear(y)
	} else {
		var bias []float32
		if p.Alpha == 1 && p.Beta == 1 && c != nil && p.CRows == 1 && p.CCols == n {
			bias, c = c, nil
		}
		for i := range m {
			yr, ar := y[i*n:(i+1)*n], a[i*k:(i+1)*k]
			if k <= Q8DotMaxK {
				if sa := q8act(xq, ar, k, 1); sa != 0 {
					q8dotgemv(yr, w, scale, xq, sa, bias, n, k)
					continue
				}
			}
			q8gemv(yr, w, scale, ar, bias, n, k)
		}
	}
	gemmEpilogue(y, c, p)
	if p.Act.Op != ActNone {
		activateRange(y, y, p.Act)
	}
}

// ConvQ8Dot is ConvQ8 on integer dot products: each image and group's
// im2col matrix (or the input itself, for a pointwise convolution) is
// quantized by Q8Act into scratch after ConvScratch(p) values and
// multiplied by GemmQ8Dot; scratch must hold ConvQ8DotScratch(p) values.
// A matrix that Q8Act cannot quantize runs GemmQ8. A depthwise convolution
// with 3×3 kernels, no dilation and strides of 1 or 2 runs the integer
// depthwise kernels (quant_dw.go; an image they cannot quantize runs
// ConvQ8's float path); other depthwise convolutions,
// InC/Group·∏Kernel > Q8DotMaxK, or fewer than q8DotMinRows output
// channels per group are ConvQ8.
func ConvQ8Dot(dst, src []float32, w []int8, scale, b, scratch []float32, p ConvParams) {
	const fn = "ConvQ8Dot"
	c := checkConv(fn, p)
	kk := c.icg * c.ks
	if !c.q8dot() {
		ConvQ8(dst, src, w, scale, b, scratch, p)
		return
	}
	c = checkConvW(fn, dst, src, len(w), b, scratch, p)
	wantLen(fn, "scale", len(scale), c.outC, "OutC")
	if need := ConvQ8DotScratch(p); len(scratch) < need {
		if c.q8dw() {
			shapeErr(fn, "len(scratch) = %d, want >= ConvQ8DotScratch(p) = %d (one image's padded int16 planes, two a value)", len(scratch), need)
		}
		shapeErr(fn, "len(scratch) = %d, want >= ConvQ8DotScratch(p) = %d (ConvScratch(p) = %d, then ceil(InC/Group*Kernel/2)*Out = ceil(%d/2)*%d for the quantized activations)", len(scratch), need, c.scratch(), kk, c.os)
	}
	noOverlap(fn, "dst", "scale", dst, scale)
	noOverlapBytes(fn, "dst", "w", dst, unsafe.Pointer(unsafe.SliceData(w)), len(w))
	if c.q8dw() {
		noOverlap(fn, "dst", "scratch", dst, scratch)
		noOverlap(fn, "src", "scratch", src, scratch)
		convQ8DotDW(dst, src, w, scale, b, scratch, &c, p)
		return
	}
	s := scratch[c.scratch():ConvQ8DotScratch(p)]
	q := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
	convW(dst, src, b, scratch, &c, p, func(dg []float32, g int, col, bg []float32) {
		wg, sg := w[g*c.ocg*kk:(g+1)*c.ocg*kk], scale[g*c.ocg:(g+1)*c.ocg]
		if sa := q8act(q, col[:kk*c.os], kk, c.os); sa != 0 {
			q8dotgemm(dg, wg, sg, q, sa, bg, c.ocg, kk, c.os)
			return
		}
		q8gemm(dg, wg, sg, col, bg, c.ocg, kk, c.os)
	})
}

// ConvQ8DotScratch is the scratch length ConvQ8Dot needs: ConvScratch(p),
// then ceil(InC/Group·∏Kernel/2)·∏Out int32 pairs of quantized
// activations; ConvQ8Scratch(p) where ConvQ8Dot runs ConvQ8.
func ConvQ8DotScratch(p ConvParams) int {
	c := checkConv("ConvQ8DotScratch", p)
	kk := c.icg * c.ks
	if c.q8dw() {
		return (Q8DwActLen(p) + 1) / 2
	}
	if !c.q8dot() {
		return ConvQ8Scratch(p)
	}
	return c.scratch() + mulSize("ConvQ8DotScratch", "scratch", (kk+1)/2, c.os)
}

// q8DotMinRows: quantizing the activations costs about as much per value
// as a few multiply-adds of the float32 kernel, and each activation is
// used once per output channel: with fewer than 8 channels a group runs
// ConvQ8 (in Chromium, 6×25·576, lenet's first convolution: 1.28× the
// float32 gemm by dot products, against 0.6–0.9× from 16 channels).
const q8DotMinRows = 8

// q8dot tells whether ConvQ8Dot multiplies by integer dot products.
func (c *conv) q8dot() bool {
	if c.depthwise() {
		return c.q8dw()
	}
	return c.icg*c.ks <= Q8DotMaxK && c.ocg >= q8DotMinRows
}

// ConvQ8DotUsesDot tells whether ConvQ8Dot multiplies by integer dot
// products for p (the rest is ConvQ8): the importer's wasm back end
// lowers the same choice.
func ConvQ8DotUsesDot(p ConvParams) bool {
	c := checkConv("ConvQ8DotUsesDot", p)
	return c.q8dot()
}
