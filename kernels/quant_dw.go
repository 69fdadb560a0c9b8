package kernels

import (
	"math"
	"unsafe"
)

// Integer depthwise convolutions for int8 weights (ConvQ8Dot). q8dwact
// quantizes one image's C input planes as Q8Act does (one scale for the
// image: m = max|x|, q = round-half-even(x·4095/m), sa = m/4095; 0 when m is
// 0, not finite, or 4095/m overflows) into int16 planes with their padding
// written out as zeros: plane c, padded row r, column x holds the input at
// (r−PH, x−PW), or 0 outside it; each plane is q8dwDims' hp rows of wp
// values, and q8dwMargin zeros follow the last one. q8dwconv then sums each
// output's nine products int8 weight × int16 activation in int32 (exact:
// 9·128·4095 < 2^23, so the order does not matter and every variant gives
// the same bits) and scales once: v = float32(acc)·float32(scale[c]·sa) +
// b[c], then the geom's activation (the ops actSupported takes; others are
// left to the caller, as DepthwiseConv). The padding's zeros make every
// output the same nine products: the WebAssembly kernel runs four outputs
// at a time with no edge case, two taps of a kernel row per
// i32x4.dot_i16x8_s (the third paired with a zero weight).
//
// Only 3×3 kernels without dilation, strides 1 or 2, one output channel per
// input channel take it (conv.q8dw); the others run ConvQ8's float path.

// q8dwMargin is how many int16 zeros follow the padded planes: the SIMD
// kernel's eight-value loads of a last row's last block reach at most 7
// values past the row.
const q8dwMargin = 16

// q8dw tells whether ConvQ8Dot runs the integer depthwise kernel for c.
func (c *conv) q8dw() bool {
	return c.depthwise() && c.ocg == 1 && c.kh == 3 && c.kw == 3 && c.dh == 1 && c.dw == 1 &&
		c.sh <= 2 && c.sw <= 2
}

// q8dwDims returns the padded plane's rows and row length: every input
// row and column, and every tap of every output, inside.
func q8dwDims(g *geom) (hp, wp int) {
	d := g.dims()
	hp = max(d.ih+d.ph, max(d.oh-1, 0)*d.sh+(d.kh-1)*d.dh+1)
	wp = max(d.iw+d.pw, max(d.ow-1, 0)*d.sw+(d.kw-1)*d.dw+1)
	return hp, wp
}

// q8dwLen is the number of int16 values q8dwact writes for g.
func q8dwLen(g *geom) int {
	hp, wp := q8dwDims(g)
	return int(g[gC])*hp*wp + q8dwMargin
}

// q8dwGeom is the geom ConvQ8Dot's depthwise kernels read for p: one
// image's channels, the activation when actSupported takes it (actDone).
func q8dwGeom(p ConvParams) (g geom, actDone bool) {
	g = convGeom("ConvQ8Dot", p)
	g[gC] = int32(p.InC)
	if actDone = actSupported(p.Act.Op); actDone {
		g[gOp] = int32(p.Act.Op)
		g[gAlpha] = int32(math.Float32bits(p.Act.Alpha))
		g[gBeta] = int32(math.Float32bits(p.Act.Beta))
	}
	return g, actDone
}

// Q8DwGeom is ConvQ8Dot's geom block for a depthwise p (the importer's
// wasm back end lays it out in memory as Go's ConvQ8Dot does on its stack)
// and whether the kernel applies p.Act.
func Q8DwGeom(p ConvParams) (PrimGeom, bool) {
	g, done := q8dwGeom(p)
	return PrimGeom(g), done
}

// Q8DwActLen is the number of int16 values q8dwact writes for a depthwise
// p (ConvQ8DotUsesDot): one image's padded planes and the margin.
func Q8DwActLen(p ConvParams) int {
	g, _ := q8dwGeom(p)
	return q8dwLen(&g)
}

// convQ8DotDW is ConvQ8Dot's depthwise case: per image, q8dwact into
// scratch, then q8dwconv, or ConvQ8's float path for an image q8dwact
// cannot quantize.
func convQ8DotDW(dst, src []float32, w []int8, scale, b, scratch []float32, c *conv, p ConvParams) {
	if c.os == 0 {
		return
	}
	g, actDone := q8dwGeom(p)
	n16 := q8dwLen(&g)
	xq := unsafe.Slice((*int16)(unsafe.Pointer(unsafe.SliceData(scratch))), 2*len(scratch))[:n16]
	one := *c
	one.n = 1
	for n := range c.n {
		sn := src[n*c.inC*c.is : (n+1)*c.inC*c.is]
		dn := dst[n*c.outC*c.os : (n+1)*c.outC*c.os]
		if sa := q8dwact(xq, sn, &g); sa != 0 {
			q8dwconv(dn, xq, w, scale, sa, b, &g)
			if !actDone && p.Act.Op != ActNone {
				activateRange(dn, dn, p.Act)
			}
			continue
		}
		convDW(dn, sn, w, scale, nil, b, &one, p)
	}
}

// goQ8DwAct is q8dwact in Go: the reference of the kernels.
func goQ8DwAct(dst []int16, src []float32, g *geom) float32 {
	d := g.dims()
	src = src[:d.c*d.ih*d.iw]
	var mx uint32
	for _, v := range src {
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
	hp, wp := q8dwDims(g)
	dst = dst[:d.c*hp*wp+q8dwMargin]
	clear(dst)
	for c := range d.c {
		for iy := range d.ih {
			row := dst[(c*hp+iy+d.ph)*wp+d.pw:]
			for ix, v := range src[(c*d.ih+iy)*d.iw : (c*d.ih+iy+1)*d.iw] {
				row[ix] = int16(math.RoundToEven(float64(float32(v * inv))))
			}
		}
	}
	return m / Q8ActBound
}

// goQ8DwConv is q8dwconv in Go.
func goQ8DwConv(dst []float32, xq []int16, w []int8, scale []float32, sa float32, b []float32, g *geom) {
	d := g.dims()
	a := Act{Op: ActOp(g[gOp]), Alpha: math.Float32frombits(uint32(g[gAlpha])), Beta: math.Float32frombits(uint32(g[gBeta]))}
	hp, wp := q8dwDims(g)
	taps := d.kh * d.kw
	for c := range d.c {
		plane := xq[c*hp*wp : (c+1)*hp*wp]
		wc := w[c*taps : (c+1)*taps]
		s := float32(scale[c] * sa)
		bias := float32(0)
		if b != nil {
			bias = b[c]
		}
		out := dst[c*d.oh*d.ow : (c+1)*d.oh*d.ow]
		for oy := range d.oh {
			for ox := range d.ow {
				var acc int32
				for ky := range d.kh {
					row := plane[(oy*d.sh+ky*d.dh)*wp:]
					for kx := range d.kw {
						acc += int32(wc[ky*d.kw+kx]) * int32(row[ox*d.sw+kx*d.dw])
					}
				}
				out[oy*d.ow+ox] = actOne(float32(float32(acc)*s)+bias, a)
			}
		}
	}
}
