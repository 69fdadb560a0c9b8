package kernels

import "math"

// The convolution, pooling and activation primitives that imported models'
// operators (ops.go) run on. Each checks its lengths and parameters in Go,
// then runs as one kernel call (a WebAssembly kernel in wasip1 builds, its
// pure-Go twin elsewhere). Every result is the same bit for bit in pure
// Go, the scalar kernels and the SIMD kernels: the SIMD code works across
// output pixels, never inside one output's sum, so each sum runs in the
// same order.
//
// Spatial parameters have one entry per spatial dimension (1 for …×W, 2 for
// …×H×W). Out is the caller's: any Out is safe, since every kernel tests
// each input position against In and treats positions outside it as
// padding.

// Im2colConv lays out the patches of image image, group group of a
// convolution's input src (N×InC×In…) as the rows of col: C·KH·KW rows
// (C = InC/Group) of OH·OW values, where row (ic·KH+ky)·KW+kx, column
// oy·OW+ox holds src[image][group·C+ic][oy·SH+ky·DH−PH][ox·SW+kx·DW−PW],
// or 0 where that position is outside the input (padding). For 1-D, H is 1
// (KH = OH = 1). Gemm(out, w_group, col, bias_group, OutC/Group, C·KH·KW,
// OH·OW) is then the group's convolution. p.OutC and p.Act are not used.
// col must not overlap src.
func Im2colConv(col, src []float32, p ConvParams, image, group int) {
	const fn = "Im2colConv"
	g := convGeom(fn, p)
	if image < 0 || image >= p.N || group < 0 || group >= p.Group {
		shapeErr(fn, "image %d, group %d; want 0 <= image < N = %d and 0 <= group < Group = %d", image, group, p.N, p.Group)
	}
	c := p.InC / p.Group
	plane := int(g[gIH]) * int(g[gIW])
	if n := primSize(fn, "N*InC*In", p.N, p.InC, plane); len(src) != n {
		shapeErr(fn, "len(src) = %d, want N*InC*In = %d*%d*%d = %d", len(src), p.N, p.InC, plane, n)
	}
	rows, cols := c*int(g[gKH])*int(g[gKW]), int(g[gOH])*int(g[gOW])
	if n := primSize(fn, "InC/Group*Kernel*Out", rows, cols); len(col) != n {
		shapeErr(fn, "len(col) = %d, want InC/Group*Kernel*Out = %d*%d = %d", len(col), rows, cols, n)
	}
	noOverlap(fn, "col", "src", col, src)
	if len(col) == 0 {
		return
	}
	g[gC] = int32(c)
	start := (image*p.InC + group*c) * plane
	im2colConv(col, src[start:start+c*plane], &g)
}

// DepthwiseConv is a depthwise convolution: Group = InC = OutC (one filter
// per channel), 1-D or 2-D, any pads, strides and dilations. dst is
// N×InC×Out…, src N×InC×In…, w InC×Kernel…, b InC values or nil. Each
// output starts at its bias (or 0) and adds w·x tap by tap, ky then kx,
// skipping taps outside the input. It then applies p.Act when ActKernel
// handles p.Act.Op (ActNone, ActRelu, ActLeakyRelu, ActHardSigmoid,
// ActHardSwish, ActClip, ActScale, ActSigmoid, ActTanh) and returns true;
// for any other op it returns false and the caller applies p.Act to dst.
// dst must not overlap src, w or b.
func DepthwiseConv(dst, src, w, b []float32, p ConvParams) (actDone bool) {
	const fn = "DepthwiseConv"
	g := convGeom(fn, p)
	if p.Group != p.InC || p.OutC != p.InC {
		shapeErr(fn, "InC = %d, OutC = %d, Group = %d; want Group = InC = OutC (depthwise, multiplier 1)", p.InC, p.OutC, p.Group)
	}
	in, out := int(g[gIH])*int(g[gIW]), int(g[gOH])*int(g[gOW])
	taps := int(g[gKH]) * int(g[gKW])
	if n := primSize(fn, "N*InC*In", p.N, p.InC, in); len(src) != n {
		shapeErr(fn, "len(src) = %d, want N*InC*In = %d*%d*%d = %d", len(src), p.N, p.InC, in, n)
	}
	if n := primSize(fn, "N*InC*Out", p.N, p.InC, out); len(dst) != n {
		shapeErr(fn, "len(dst) = %d, want N*InC*Out = %d*%d*%d = %d", len(dst), p.N, p.InC, out, n)
	}
	if n := primSize(fn, "InC*Kernel", p.InC, taps); len(w) != n {
		shapeErr(fn, "len(w) = %d, want InC*Kernel = %d*%d = %d", len(w), p.InC, taps, n)
	}
	if b != nil && len(b) != p.InC {
		shapeErr(fn, "len(b) = %d, want InC = %d (or b = nil)", len(b), p.InC)
	}
	noOverlap(fn, "dst", "src", dst, src)
	noOverlap(fn, "dst", "w", dst, w)
	noOverlap(fn, "dst", "b", dst, b)
	actDone = actSupported(p.Act.Op)
	if actDone {
		g[gOp] = int32(p.Act.Op)
		g[gAlpha] = int32(math.Float32bits(p.Act.Alpha))
		g[gBeta] = int32(math.Float32bits(p.Act.Beta))
	}
	if out == 0 {
		return actDone
	}
	g[gC] = int32(p.InC)
	per, perOut := p.InC*in, p.InC*out
	for n := range p.N {
		dwConv(dst[n*perOut:(n+1)*perOut], src[n*per:(n+1)*per], w, b, &g)
	}
	return actDone
}

// Pool is MaxPool (max) or AveragePool over the N·C planes of src
// (N×C×In…) into dst (N×C×Out…). Output (oy, ox) looks at input
// positions (oy·SH+ky·DH−PH, ox·SW+kx·DW−PW) for ky < KH, kx < KW; those
// outside the input are skipped. Max starts at −Inf (so a window that
// holds no input position gives −Inf); NaN wins. Average adds the values
// from 0, ky then kx, and divides by the number of positions inside the
// input or, with CountIncludePad, inside [−Pad, In+PadEnd) (positions a
// ceil-mode window reaches past PadEnd never count); a window with a
// divisor of 0 gives NaN. dst must not overlap src.
func Pool(dst, src []float32, p PoolParams, max bool) {
	const fn = "Pool"
	if len(p.PadEnd) != len(p.In) {
		shapeErr(fn, "len(PadEnd) = %d, want len(In) = %d", len(p.PadEnd), len(p.In))
	}
	g := geometry(fn, p.In, p.Out, p.Kernel, p.Stride, p.Dilation, p.Pad, p.PadEnd)
	if p.N < 0 || p.C < 0 {
		shapeErr(fn, "N = %d, C = %d; want >= 0", p.N, p.C)
	}
	in, out := int(g[gIH])*int(g[gIW]), int(g[gOH])*int(g[gOW])
	if n := primSize(fn, "N*C*In", p.N, p.C, in); len(src) != n {
		shapeErr(fn, "len(src) = %d, want N*C*In = %d*%d*%d = %d", len(src), p.N, p.C, in, n)
	}
	if n := primSize(fn, "N*C*Out", p.N, p.C, out); len(dst) != n {
		shapeErr(fn, "len(dst) = %d, want N*C*Out = %d*%d*%d = %d", len(dst), p.N, p.C, out, n)
	}
	noOverlap(fn, "dst", "src", dst, src)
	if len(dst) == 0 {
		return
	}
	g[gC] = int32(p.N * p.C)
	if max {
		g[gOp] |= poolMax
	}
	if p.CountIncludePad {
		g[gOp] |= poolCountPad
	}
	pool(dst, src, &g)
}

// ActKernel sets dst[i] = a(x[i]) for the ops it handles and returns true:
//
//	ActNone         x
//	ActRelu         x < 0 ? 0 : x (−0 and NaN pass through, as ReLU)
//	ActLeakyRelu    x < 0 ? Alpha·x : x
//	ActHardSigmoid  max(0, min(1, Alpha·x + Beta))
//	ActHardSwish    x · max(0, min(1, x/6 + 0.5))
//	ActClip         min(max(x, Alpha), Beta)
//	ActScale        Alpha·x + Beta
//	ActSigmoid      1/(1+exp(-x))
//	ActTanh         tanh(x)
//
// with each product rounded to float32 before the sum (no fused
// multiply-add), except HardSwish, Sigmoid and Tanh, computed in float64
// and rounded once (as Activate does, Sigmoid and Tanh with the package's
// own exp, step for step), and min and max as Go's builtins (NaN wins, −0 < +0). For
// any other op it writes nothing and returns false: the caller runs its own
// loop. dst may be x (in place), but must not partly overlap it.
func ActKernel(dst, x []float32, a Act) bool {
	const fn = "ActKernel"
	sameLen(fn, "len(dst), len(x)", len(dst), len(x))
	noPartial(fn, "dst", "x", dst, x)
	fits32(fn, len(dst))
	if !actSupported(a.Op) {
		return false
	}
	if len(dst) > 0 {
		act(dst, x, a)
	}
	return true
}

func actSupported(op ActOp) bool {
	switch op {
	case ActNone, ActRelu, ActLeakyRelu, ActHardSigmoid, ActHardSwish, ActClip, ActScale, ActSigmoid, ActTanh:
		return true
	}
	return false
}

// geom is the parameter block of the spatial kernels: int32 words that the
// WebAssembly kernels read from the model's memory (their last argument is
// its address), so their signatures stay short. A 1-D call has H = 1.
//
//	word  0   1   2   3   4   5   6   7   8   9   10  11  12  13  14  15  16     17
//	      C   IH  IW  OH  OW  KH  KW  SH  SW  DH  DW  PH  PW  EH  EW  op  alpha  beta
//
// C is the number of planes (Im2colConv: channels of the group;
// DepthwiseConv: channels of one image; Pool: N·C). EH and EW are In+PadEnd
// (Pool's countable end). op is the ActOp of DepthwiseConv, or Pool's flags
// (poolMax, poolCountPad); alpha and beta are float32 bits.
type geom [geomLen]int32

const (
	gC = iota
	gIH
	gIW
	gOH
	gOW
	gKH
	gKW
	gSH
	gSW
	gDH
	gDW
	gPH
	gPW
	gEH
	gEW
	gOp
	gAlpha
	gBeta
	geomLen
)

// Pool's flags in word op.
const (
	poolMax      = 1
	poolCountPad = 2
)

// maxDim bounds every spatial parameter and the reach of a window, so the
// kernels' int32 arithmetic on positions cannot overflow.
const maxDim = 1 << 29

func convGeom(fn string, p ConvParams) geom {
	if p.N < 0 || p.InC < 1 || p.OutC < 0 || p.Group < 1 || p.InC%p.Group != 0 || p.OutC%p.Group != 0 {
		shapeErr(fn, "N = %d, InC = %d, OutC = %d, Group = %d; want N >= 0, InC >= 1 and Group >= 1 dividing InC and OutC", p.N, p.InC, p.OutC, p.Group)
	}
	return geometry(fn, p.In, p.Out, p.Kernel, p.Stride, p.Dilation, p.Pad, nil)
}

// geometry checks the spatial parameters (padEnd may be nil: none) and
// fills a geom with them, 1-D as H = 1.
func geometry(fn string, in, out, kernel, stride, dil, pad, padEnd []int) geom {
	d := len(in)
	if d != 1 && d != 2 {
		shapeErr(fn, "len(In) = %d; want 1 or 2 spatial dimensions", d)
	}
	for _, l := range []struct {
		name string
		n    int
	}{{"Out", len(out)}, {"Kernel", len(kernel)}, {"Stride", len(stride)}, {"Dilation", len(dil)}, {"Pad", len(pad)}} {
		if l.n != d {
			shapeErr(fn, "len(%s) = %d, want len(In) = %d", l.name, l.n, d)
		}
	}
	g := geom{gIH: 1, gOH: 1, gKH: 1, gSH: 1, gDH: 1, gEH: 1}
	for i := range d {
		end := 0
		if padEnd != nil {
			end = padEnd[i]
		}
		ok := func(v, lo int) bool { return v >= lo && v <= maxDim }
		if !ok(in[i], 1) || !ok(out[i], 0) || !ok(kernel[i], 1) || !ok(stride[i], 1) || !ok(dil[i], 1) || !ok(pad[i], 0) || !ok(end, 0) {
			shapeErr(fn, "dimension %d: In %d, Out %d, Kernel %d, Stride %d, Dilation %d, Pad %d, PadEnd %d; want In, Kernel, Stride, Dilation >= 1, Out, Pad, PadEnd >= 0, each at most 2^29",
				i, in[i], out[i], kernel[i], stride[i], dil[i], pad[i], end)
		}
		if reach := max(out[i]-1, 0)*stride[i] + (kernel[i]-1)*dil[i]; reach > maxDim || in[i]+end > maxDim {
			shapeErr(fn, "dimension %d: the windows reach %d and In+PadEnd is %d; want at most 2^29", i, reach, in[i]+end)
		}
		// Each field is an H, W pair of words: the last dimension is W.
		set := func(word, v int) { g[word+boolInt(i == d-1)] = int32(v) }
		set(gIH, in[i])
		set(gOH, out[i])
		set(gKH, kernel[i])
		set(gSH, stride[i])
		set(gDH, dil[i])
		set(gPH, pad[i])
		set(gEH, in[i]+end)
	}
	return g
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// primSize multiplies counts and panics when the product does not fit the
// kernels' int32 lengths.
func primSize(fn, what string, n ...int) int {
	p := 1
	for _, v := range n {
		if v < 0 || v > 1<<31-1 {
			shapeErr(fn, "%s: factor %d is outside 0..2^31-1", what, v)
		}
		p *= v
		if p > 1<<31-1 {
			shapeErr(fn, "%s is more than 2^31-1 values", what)
		}
	}
	return p
}
