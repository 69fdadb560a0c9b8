package kernels

// conv is a checked ConvParams in 2-D form (a 1-D convolution is 2-D with
// a height of 1).
type conv struct {
	n, inC, outC, group, icg, ocg int
	ih, iw, oh, ow, kh, kw        int
	sh, sw, dh, dw, ph, pw        int
	is, os, ks                    int // spatial sizes: in, out, kernel
}

// depthwise: each input channel is its own group, convolved directly.
func (c *conv) depthwise() bool { return c.group == c.inC && c.group > 1 }

// pointwise: a 1×1 stride-1 unpadded convolution reads src as is.
func (c *conv) pointwise() bool {
	return c.kh == 1 && c.kw == 1 && c.sh == 1 && c.sw == 1 && c.ph == 0 && c.pw == 0 && c.oh == c.ih && c.ow == c.iw
}

func (c *conv) scratch() int {
	if c.depthwise() || c.pointwise() {
		return 0
	}
	return c.icg * c.ks * c.os
}

// ConvScratch is the length of the scratch buffer Conv needs for p: 0 for
// a depthwise convolution (Group == InC > 1) and for a 1×1 stride-1
// unpadded one whose Out equals In, else InC/Group·∏Kernel·∏Out (the
// im2col matrix of one group of one image). It depends on p alone and
// panics with a *ShapeError on the parameters Conv refuses.
func ConvScratch(p ConvParams) int {
	c := checkConv("ConvScratch", p)
	return c.scratch()
}

// Conv is ONNX Conv in 1-D (In, Out… of one entry: N×C×W tensors) or 2-D
// (two entries: N×C×H×W). For each image, output channel oc (in group g =
// oc/(OutC/Group)) and output position o:
//
//	dst[n][oc][o] = Act(b[oc] + Σ w[oc][ic][k] · src[n][g·InC/Group+ic][o·Stride - Pad + k·Dilation])
//
// summed over ic < InC/Group and the kernel positions k, per axis, where
// a position outside [0, In) reads as 0 (zero padding). b may be nil (no
// bias). The padding after each axis is implied by Out: Out must be at
// least floor((In + Pad - Dilation·(Kernel-1) - 1)/Stride) + 1, the output
// length with no end padding, and every further output reads end padding
// (ONNX's pads end, or auto_pad SAME_*, resolved by the importer).
//
// Lengths: src N·InC·∏In, dst N·OutC·∏Out, w OutC·InC/Group·∏Kernel, b
// OutC or nil, scratch at least ConvScratch(p). Group must divide InC and
// OutC. dst must not overlap src, w, b or scratch; scratch must not
// overlap src, w or b.
//
// A depthwise convolution (Group == InC > 1, OutC a multiple of InC) runs
// as a direct loop; the others lay out each group's patches in scratch
// (im2col) and multiply with the package's Gemm kernel.
func Conv(dst, src, w, b, scratch []float32, p ConvParams) {
	const fn = "Conv"
	c := checkConv(fn, p)
	wantLen(fn, "src", len(src), mulSize(fn, "src", c.n*c.inC, c.is), "N*InC*In = %d*%d*%s", c.n, c.inC, p.In)
	wantLen(fn, "dst", len(dst), mulSize(fn, "dst", c.n*c.outC, c.os), "N*OutC*Out = %d*%d*%s", c.n, c.outC, p.Out)
	wantLen(fn, "w", len(w), c.outC*c.icg*c.ks, "OutC*InC/Group*Kernel = %d*%d/%d*%s", c.outC, c.inC, c.group, p.Kernel)
	if b != nil {
		wantLen(fn, "b", len(b), c.outC, "OutC (or b = nil)")
	}
	if need := c.scratch(); len(scratch) < need {
		shapeErr(fn, "len(scratch) = %d, want >= ConvScratch(p) = InC/Group*Kernel*Out = %d*%s*%s = %d", len(scratch), c.icg, dims(p.Kernel), dims(p.Out), need)
	}
	noOverlap(fn, "dst", "src", dst, src)
	noOverlap(fn, "dst", "w", dst, w)
	noOverlap(fn, "dst", "b", dst, b)
	noOverlap(fn, "dst", "scratch", dst, scratch)
	noOverlap(fn, "scratch", "src", scratch, src)
	noOverlap(fn, "scratch", "w", scratch, w)
	noOverlap(fn, "scratch", "b", scratch, b)
	if Accelerated && c.depthwise() && p.OutC == p.InC {
		// The WebAssembly SIMD kernel, with the activation when it has it.
		if !DepthwiseConv(dst, src, w, b, p) && p.Act.Op != ActNone {
			activateRange(dst, dst, p.Act)
		}
		return
	}
	for n := range c.n {
		sn := src[n*c.inC*c.is : (n+1)*c.inC*c.is]
		dn := dst[n*c.outC*c.os : (n+1)*c.outC*c.os]
		if c.depthwise() {
			depthwiseConv(dn, sn, w, b, &c)
		} else {
			convGroups(dn, sn, w, b, scratch, &c, src, n, p)
		}
		if p.Act.Op != ActNone {
			activateRange(dn, dn, p.Act)
		}
	}
}

// convGroups runs one image's groups as im2col (unless pointwise) + Gemm.
func convGroups(dst, src, w, b, scratch []float32, c *conv, all []float32, image int, p ConvParams) {
	kk := c.icg * c.ks
	for g := range c.group {
		sg := src[g*c.icg*c.is : (g+1)*c.icg*c.is]
		dg := dst[g*c.ocg*c.os : (g+1)*c.ocg*c.os]
		wg := w[g*c.ocg*kk : (g+1)*c.ocg*kk]
		var bg []float32
		if b != nil {
			bg = b[g*c.ocg : (g+1)*c.ocg]
		}
		col := sg
		if !c.pointwise() {
			col = scratch[:kk*c.os]
			if Accelerated {
				Im2colConv(col, all, p, image, g) // the WebAssembly SIMD kernel
			} else {
				im2colGroup(col, sg, c)
			}
		}
		gemm(dg, wg, col, bg, c.ocg, kk, c.os)
	}
}

// im2colGroup lays out the patches of src (c.icg channels of ih×iw) as
// icg·kh·kw rows of oh·ow values: row (ic·kh+ky)·kw+kx holds, for each
// output (oy, ox), src[ic][oy·sh-ph+ky·dh][ox·sw-pw+kx·dw], 0 outside.
func im2colGroup(col, src []float32, c *conv) {
	r := 0
	for ic := range c.icg {
		plane := src[ic*c.is : (ic+1)*c.is]
		for ky := range c.kh {
			y0 := ky*c.dh - c.ph
			ylo, yhi := validRange(c.oh, c.sh, y0, c.ih)
			for kx := range c.kw {
				x0 := kx*c.dw - c.pw
				xlo, xhi := validRange(c.ow, c.sw, x0, c.iw)
				row := col[r*c.os : (r+1)*c.os]
				r++
				for oy := range c.oh {
					seg := row[oy*c.ow : (oy+1)*c.ow]
					if oy < ylo || oy >= yhi {
						clear(seg)
						continue
					}
					in := plane[(oy*c.sh+y0)*c.iw : (oy*c.sh+y0+1)*c.iw]
					clear(seg[:xlo])
					clear(seg[xhi:])
					if c.sw == 1 {
						if xlo < xhi {
							copy(seg[xlo:xhi], in[xlo+x0:])
						}
						continue
					}
					for ox := xlo; ox < xhi; ox++ {
						seg[ox] = in[ox*c.sw+x0]
					}
				}
			}
		}
	}
}

// validRange returns the outputs [lo, hi) of count whose input o·s+off
// lies in [0, n).
func validRange(count, s, off, n int) (lo, hi int) {
	if off < 0 {
		lo = min(count, (-off+s-1)/s)
	}
	if n-1-off >= 0 {
		hi = min(count, (n-1-off)/s+1)
	}
	return lo, max(lo, hi)
}

// depthwiseConv is one image of a depthwise convolution: output channel
// oc reads input channel oc/(OutC/InC) alone. Each output starts at its
// bias and adds the taps in kernel order, each product rounded.
func depthwiseConv(dst, src, w, b []float32, c *conv) {
	mult := c.outC / c.inC
	for oc := range c.outC {
		plane := src[(oc/mult)*c.is : (oc/mult+1)*c.is]
		out := dst[oc*c.os : (oc+1)*c.os]
		v := float32(0)
		if b != nil {
			v = b[oc]
		}
		for i := range out {
			out[i] = v
		}
		wk := w[oc*c.ks : (oc+1)*c.ks]
		for oy := range c.oh {
			orow := out[oy*c.ow : (oy+1)*c.ow]
			for ky := range c.kh {
				iy := oy*c.sh + ky*c.dh - c.ph
				if iy < 0 || iy >= c.ih {
					continue
				}
				in := plane[iy*c.iw : (iy+1)*c.iw]
				for kx := range c.kw {
					wv := wk[ky*c.kw+kx]
					x0 := kx*c.dw - c.pw
					lo, hi := validRange(c.ow, c.sw, x0, c.iw)
					if lo == hi {
						continue
					}
					if c.sw == 1 {
						s := in[lo+x0 : hi+x0]
						o := orow[lo:hi]
						o = o[:len(s)]
						for i, x := range s {
							o[i] += float32(wv * x)
						}
						continue
					}
					for ox := lo; ox < hi; ox++ {
						orow[ox] += float32(wv * in[ox*c.sw+x0])
					}
				}
			}
		}
	}
}

// checkConv checks p (not the slices) and returns it in 2-D form.
func checkConv(fn string, p ConvParams) conv {
	checkAct(fn, p.Act)
	atLeast(fn, "N", p.N, 0)
	atLeast(fn, "InC", p.InC, 1)
	atLeast(fn, "OutC", p.OutC, 1)
	atLeast(fn, "Group", p.Group, 1)
	if p.InC%p.Group != 0 || p.OutC%p.Group != 0 {
		shapeErr(fn, "Group = %d must divide InC = %d and OutC = %d", p.Group, p.InC, p.OutC)
	}
	w := checkWindow(fn, p.In, p.Out, p.Kernel, p.Stride, p.Dilation, p.Pad, nil)
	r := len(p.In)
	for j := 2 - r; j < 2; j++ {
		if lo := w.outFloor(j, 0); w.out[j] < lo {
			i := axisIndex(j, r)
			shapeErr(fn, "Out[%d] = %d, want >= floor((In+Pad-Dilation*(Kernel-1)-1)/Stride)+1 = floor((%d+%d-%d*(%d-1)-1)/%d)+1 = %d (the length with no end padding)",
				i, w.out[j], w.in[j], w.pad[j], w.d[j], w.k[j], w.s[j], lo)
		}
	}
	c := conv{
		n: p.N, inC: p.InC, outC: p.OutC, group: p.Group, icg: p.InC / p.Group, ocg: p.OutC / p.Group,
		ih: w.in[0], iw: w.in[1], oh: w.out[0], ow: w.out[1], kh: w.k[0], kw: w.k[1],
		sh: w.s[0], sw: w.s[1], dh: w.d[0], dw: w.d[1], ph: w.pad[0], pw: w.pad[1],
	}
	c.is = size(fn, "In", p.In)
	c.os = size(fn, "Out", p.Out)
	c.ks = size(fn, "Kernel", p.Kernel)
	mulSize(fn, "src", mulSize(fn, "src", c.n, c.inC), c.is)
	mulSize(fn, "dst", mulSize(fn, "dst", c.n, c.outC), c.os)
	mulSize(fn, "w", mulSize(fn, "w", c.outC, c.icg), c.ks)
	mulSize(fn, "scratch", mulSize(fn, "scratch", c.icg, c.ks), c.os)
	return c
}
