package kernels

import "math"

// PrimGeom is the parameter block of a spatial primitive (im2col_conv,
// dwconv, pool) as the WebAssembly kernels read it from memory: 18 int32
// words (geom). Code generators that call the kernels directly (the
// importer's WebAssembly back end) place it in the model's data and pass
// its address, so the words are the ones Im2colConv, DepthwiseConv and
// Pool build: one function per primitive, checked the same way.
type PrimGeom [geomLen]int32

// Im2colGeom is Im2colConv's block for one group of p.
func Im2colGeom(p ConvParams) PrimGeom {
	g := convGeom("Im2colConv", p)
	g[gC] = int32(p.InC / p.Group)
	return PrimGeom(g)
}

// DepthwiseGeom is DepthwiseConv's block for one image of p, and whether
// the kernel applies p.Act (else the caller must).
func DepthwiseGeom(p ConvParams) (PrimGeom, bool) {
	g := convGeom("DepthwiseConv", p)
	act := actSupported(p.Act.Op)
	if act {
		g[gOp] = int32(p.Act.Op)
		g[gAlpha] = int32(math.Float32bits(p.Act.Alpha))
		g[gBeta] = int32(math.Float32bits(p.Act.Beta))
	}
	g[gC] = int32(p.InC)
	return PrimGeom(g), act
}

// PoolGeom is Pool's block.
func PoolGeom(p PoolParams, max bool) PrimGeom {
	g := geometry("Pool", p.In, p.Out, p.Kernel, p.Stride, p.Dilation, p.Pad, p.PadEnd)
	g[gC] = int32(p.N * p.C)
	if max {
		g[gOp] |= poolMax
	}
	if p.CountIncludePad {
		g[gOp] |= poolCountPad
	}
	return PrimGeom(g)
}

// ExactInKernel reports whether the activation op runs in the act
// primitive in a wasip1 build (bit-identical to the Go loop); the others
// run as Go code there.
func ExactInKernel(op ActOp) bool { return exactInKernel(op) }
