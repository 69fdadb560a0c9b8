package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// Tests of the primitives in prims.go against float64 references written
// from the ONNX definitions. They run natively and, through
// kernels/modules' TestPackageKernelsInWasm, with each kernel module.

// hw returns a 1-D or 2-D spatial list as H, W (H = 1 for 1-D).
func hw(s []int) (int, int) {
	if len(s) == 1 {
		return 1, s[0]
	}
	return s[0], s[1]
}

// outLen is ONNX's output length: floor, or ceil where a window must
// still start inside the input or the leading padding.
func primOutLen(in, k, s, d, pb, pe int, ceil bool) int {
	span := in + pb + pe - ((k-1)*d + 1)
	if span < 0 {
		return 0
	}
	n := span/s + 1
	if ceil && span%s != 0 {
		n++
		if (n-1)*s >= in+pb {
			n--
		}
	}
	return n
}

// randConv draws a 1-D or 2-D convolution with pads, strides, dilations
// and groups (depthwise when dw).
func randConv(r *rand.Rand, dw bool) kernels.ConvParams {
	d := 1 + r.IntN(2)
	p := kernels.ConvParams{N: 1 + r.IntN(2), Group: 1 + r.IntN(3)}
	if dw {
		p.Group = 1 + r.IntN(6)
		p.InC, p.OutC = p.Group, p.Group
	} else {
		p.InC, p.OutC = p.Group*(1+r.IntN(3)), p.Group*(1+r.IntN(3))
	}
	for range d {
		k, s, dil := 1+r.IntN(4), 1+r.IntN(3), 1+r.IntN(2)
		in := 1 + r.IntN(13)
		if (k-1)*dil+1 > in+2*(k-1) {
			in = (k-1)*dil + 1
		}
		pb, pe := r.IntN(k), r.IntN(k)
		out := primOutLen(in, k, s, dil, pb, pe, false)
		p.In, p.Out, p.Kernel = append(p.In, in), append(p.Out, out), append(p.Kernel, k)
		p.Stride, p.Dilation, p.Pad = append(p.Stride, s), append(p.Dilation, dil), append(p.Pad, pb)
	}
	return p
}

// refConv2 is a direct grouped convolution in float64, with pads,
// strides and dilations: the output, and the sum of the absolute terms.
func refConv2(src, w, b []float32, p kernels.ConvParams) (out, abs []float64) {
	ih, iw := hw(p.In)
	oh, ow := hw(p.Out)
	kh, kw := hw(p.Kernel)
	sh, sw := hw(p.Stride)
	dh, dw := hw(p.Dilation)
	ph, pw := hw(p.Pad)
	if len(p.In) == 1 {
		sh, dh, ph = 1, 1, 0
	}
	cg, og := p.InC/p.Group, p.OutC/p.Group
	out, abs = make([]float64, p.N*p.OutC*oh*ow), make([]float64, p.N*p.OutC*oh*ow)
	for n := range p.N {
		for oc := range p.OutC {
			g := oc / og
			for oy := range oh {
				for ox := range ow {
					var s, a float64
					if b != nil {
						s, a = float64(b[oc]), math.Abs(float64(b[oc]))
					}
					for ic := range cg {
						for ky := range kh {
							for kx := range kw {
								iy, ix := oy*sh+ky*dh-ph, ox*sw+kx*dw-pw
								if iy < 0 || iy >= ih || ix < 0 || ix >= iw {
									continue
								}
								v := float64(w[((oc*cg+ic)*kh+ky)*kw+kx]) * float64(src[((n*p.InC+g*cg+ic)*ih+iy)*iw+ix])
								s += v
								a += math.Abs(v)
							}
						}
					}
					i := ((n*p.OutC+oc)*oh+oy)*ow + ox
					out[i], abs[i] = s, a
				}
			}
		}
	}
	return out, abs
}

// TestIm2colConv: Im2colConv then Gemm per image and group is the
// convolution, for random 1-D and 2-D shapes with pads, strides,
// dilations and groups; and the layout is the documented one.
func TestIm2colConv(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for range 150 {
		p := randConv(r, false)
		ih, iw := hw(p.In)
		oh, ow := hw(p.Out)
		kh, kw := hw(p.Kernel)
		cg, og := p.InC/p.Group, p.OutC/p.Group
		src, w := rnd(r, p.N*p.InC*ih*iw), rnd(r, p.OutC*cg*kh*kw)
		b := rnd(r, p.OutC)
		dst := make([]float32, p.N*p.OutC*oh*ow)
		col := make([]float32, cg*kh*kw*oh*ow)
		for n := range p.N {
			for g := range p.Group {
				for i := range col {
					col[i] = float32(math.NaN()) // every value must be written
				}
				kernels.Im2colConv(col, src, p, n, g)
				checkIm2colLayout(t, col, src, p, n, g)
				o := (n*p.OutC + g*og) * oh * ow
				kernels.Gemm(dst[o:o+og*oh*ow], w[g*og*cg*kh*kw:(g+1)*og*cg*kh*kw], col, b[g*og:(g+1)*og], og, cg*kh*kw, oh*ow)
			}
		}
		want, abs := refConv2(src, w, b, p)
		for i := range want {
			if !near(dst[i], want[i], abs[i]) {
				t.Fatalf("%+v: [%d] = %v, want %v", p, i, dst[i], want[i])
			}
		}
	}
}

func checkIm2colLayout(t *testing.T, col, src []float32, p kernels.ConvParams, n, g int) {
	t.Helper()
	ih, iw := hw(p.In)
	oh, ow := hw(p.Out)
	kh, kw := hw(p.Kernel)
	sh, sw := hw(p.Stride)
	dh, dw := hw(p.Dilation)
	ph, pw := hw(p.Pad)
	if len(p.In) == 1 {
		sh, dh, ph = 1, 1, 0
	}
	cg := p.InC / p.Group
	for ic := range cg {
		for ky := range kh {
			for kx := range kw {
				for oy := range oh {
					for ox := range ow {
						iy, ix := oy*sh+ky*dh-ph, ox*sw+kx*dw-pw
						want := float32(0)
						if iy >= 0 && iy < ih && ix >= 0 && ix < iw {
							want = src[((n*p.InC+g*cg+ic)*ih+iy)*iw+ix]
						}
						if got := col[(((ic*kh+ky)*kw+kx)*oh+oy)*ow+ox]; got != want {
							t.Fatalf("%+v image %d group %d: row (%d,%d,%d) pixel (%d,%d) = %v, want %v", p, n, g, ic, ky, kx, oy, ox, got, want)
						}
					}
				}
			}
		}
	}
}

// TestDepthwiseConv: the depthwise kernel is the grouped convolution with
// Group = InC = OutC, with and without bias, and fuses the activations it
// handles.
func TestDepthwiseConv(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	acts := []kernels.Act{{}, {Op: kernels.ActRelu}, {Op: kernels.ActClip, Alpha: 0, Beta: 0.5},
		{Op: kernels.ActLeakyRelu, Alpha: 0.1}, {Op: kernels.ActHardSwish}, {Op: kernels.ActScale, Alpha: 2, Beta: 1}}
	shapes := []kernels.ConvParams{
		{N: 1, InC: 3, OutC: 3, Group: 3, In: []int{9, 13}, Out: []int{9, 13}, Kernel: []int{3, 3}, Stride: []int{1, 1}, Dilation: []int{1, 1}, Pad: []int{1, 1}},
		{N: 2, InC: 2, OutC: 2, Group: 2, In: []int{12, 17}, Out: []int{6, 9}, Kernel: []int{3, 3}, Stride: []int{2, 2}, Dilation: []int{1, 1}, Pad: []int{1, 1}},
		{N: 1, InC: 1, OutC: 1, Group: 1, In: []int{40}, Out: []int{36}, Kernel: []int{5}, Stride: []int{1}, Dilation: []int{1}, Pad: []int{0}},
		{N: 1, InC: 2, OutC: 2, Group: 2, In: []int{11, 30}, Out: []int{11, 10}, Kernel: []int{3, 3}, Stride: []int{1, 3}, Dilation: []int{2, 2}, Pad: []int{2, 2}},
	}
	for i := range 150 {
		p := randConv(r, true)
		if i < len(shapes) {
			p = shapes[i]
		}
		p.Act = acts[i%len(acts)]
		ih, iw := hw(p.In)
		oh, ow := hw(p.Out)
		kh, kw := hw(p.Kernel)
		src, w := rnd(r, p.N*p.InC*ih*iw), rnd(r, p.InC*kh*kw)
		var b []float32
		if i%2 == 0 {
			b = rnd(r, p.InC)
		}
		dst := make([]float32, p.N*p.InC*oh*ow)
		if !kernels.DepthwiseConv(dst, src, w, b, p) {
			t.Fatalf("%+v: DepthwiseConv did not apply %v", p, p.Act)
		}
		want, abs := refConv2(src, w, b, p)
		for j := range want {
			v := float32(want[j])
			var ref [1]float32
			kernels.ActKernel(ref[:], []float32{v}, p.Act)
			// The activation is 1-Lipschitz here up to Scale's factor 2.
			if math.Abs(float64(dst[j]-ref[0])) > 2*(1e-5*abs[j]+1e-30)+1e-6*math.Abs(float64(ref[0])) {
				t.Fatalf("%+v: [%d] = %v, want %v", p, j, dst[j], ref[0])
			}
		}
	}
	p := shapes[0]
	p.Act = kernels.Act{Op: kernels.ActErf}
	dst := make([]float32, 3*9*13)
	if kernels.DepthwiseConv(dst, make([]float32, 3*9*13), make([]float32, 27), nil, p) {
		t.Error("DepthwiseConv says it applied Erf, which it does not fuse")
	}
}

// primRefPool is ONNX MaxPool and AveragePool in float64.
func primRefPool(src []float32, p kernels.PoolParams, isMax bool) []float64 {
	ih, iw := hw(p.In)
	oh, ow := hw(p.Out)
	kh, kw := hw(p.Kernel)
	sh, sw := hw(p.Stride)
	dh, dw := hw(p.Dilation)
	ph, pw := hw(p.Pad)
	eh, ew := hw(p.PadEnd)
	if len(p.In) == 1 {
		sh, dh, ph, eh = 1, 1, 0, 0
	}
	out := make([]float64, p.N*p.C*oh*ow)
	for c := range p.N * p.C {
		for oy := range oh {
			for ox := range ow {
				m, s, cnt, cntPad := math.Inf(-1), 0.0, 0, 0
				for ky := range kh {
					for kx := range kw {
						iy, ix := oy*sh+ky*dh-ph, ox*sw+kx*dw-pw
						if iy < ih+eh && ix < iw+ew {
							cntPad++
						}
						if iy < 0 || iy >= ih || ix < 0 || ix >= iw {
							continue
						}
						v := float64(src[(c*ih+iy)*iw+ix])
						m, s, cnt = math.Max(m, v), s+v, cnt+1
					}
				}
				o := &out[(c*oh+oy)*ow+ox]
				switch {
				case isMax:
					*o = m
				case p.CountIncludePad:
					*o = s / float64(cntPad)
				default:
					*o = s / float64(cnt)
				}
			}
		}
	}
	return out
}

func randPool(r *rand.Rand) kernels.PoolParams {
	p := kernels.PoolParams{N: 1 + r.IntN(2), C: 1 + r.IntN(3), CountIncludePad: r.IntN(2) == 0}
	ceil := r.IntN(2) == 0
	for range 1 + r.IntN(2) {
		k, s, dil := 1+r.IntN(4), 1+r.IntN(3), 1+r.IntN(2)
		in := (k-1)*dil + 1 + r.IntN(12)
		pb, pe := r.IntN(k), r.IntN(k)
		p.In, p.Kernel, p.Stride, p.Dilation = append(p.In, in), append(p.Kernel, k), append(p.Stride, s), append(p.Dilation, dil)
		p.Pad, p.PadEnd = append(p.Pad, pb), append(p.PadEnd, pe)
		p.Out = append(p.Out, primOutLen(in, k, s, dil, pb, pe, ceil))
	}
	return p
}

// TestPool: max and average pooling against the float64 reference on
// random shapes (ceil mode included), and ONNX's own examples.
func TestPool(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for i := range 300 {
		p := randPool(r)
		ih, iw := hw(p.In)
		oh, ow := hw(p.Out)
		src := rnd(r, p.N*p.C*ih*iw)
		for _, isMax := range []bool{true, false} {
			dst := make([]float32, p.N*p.C*oh*ow)
			kernels.Pool(dst, src, p, isMax)
			want := primRefPool(src, p, isMax)
			for j := range want {
				if math.Abs(float64(dst[j])-want[j]) > 1e-6*(1+math.Abs(want[j])) {
					t.Fatalf("%d %+v max=%v: [%d] = %v, want %v", i, p, isMax, j, dst[j], want[j])
				}
			}
		}
	}
	// ONNX's averagepool_2d_ceil: 1×1×4×4 of 1..16, 3×3 kernel, stride 2,
	// ceil mode: 2×2 outputs; and maxpool_2d_ceil.
	src := make([]float32, 16)
	for i := range src {
		src[i] = float32(i + 1)
	}
	p := kernels.PoolParams{N: 1, C: 1, In: []int{4, 4}, Out: []int{2, 2}, Kernel: []int{3, 3}, Stride: []int{2, 2},
		Dilation: []int{1, 1}, Pad: []int{0, 0}, PadEnd: []int{1, 1}}
	dst := make([]float32, 4)
	kernels.Pool(dst, src, p, false)
	equal(t, "Pool average ceil", 4, dst, []float32{6, 7.5, 12, 13.5})
	kernels.Pool(dst, src, p, true)
	equal(t, "Pool max ceil", 4, dst, []float32{11, 12, 15, 16})
	// averagepool_2d_pads_count_include_pad: 5×5 of 1..25, 3×3, pads 2:
	// the corner is (1+2+3+6+7+8+11+12+13)/9.
	src = make([]float32, 25)
	for i := range src {
		src[i] = float32(i + 1)
	}
	p = kernels.PoolParams{N: 1, C: 1, In: []int{5, 5}, Out: []int{7, 7}, Kernel: []int{5, 5}, Stride: []int{1, 1},
		Dilation: []int{1, 1}, Pad: []int{2, 2}, PadEnd: []int{2, 2}, CountIncludePad: true}
	dst = make([]float32, 49)
	kernels.Pool(dst, src, p, false)
	if want := float32(1+2+3+6+7+8+11+12+13) / 25; dst[0] != want {
		t.Errorf("count_include_pad corner = %v, want %v", dst[0], want)
	}
	p.CountIncludePad = false
	kernels.Pool(dst, src, p, false)
	if want := float32(1+2+3+6+7+8+11+12+13) / 9; dst[0] != want {
		t.Errorf("corner = %v, want %v", dst[0], want)
	}
}

// TestActKernel: each op ActKernel handles, in place and not, on values
// that include -0, NaN and infinities; other ops return false and write
// nothing.
func TestActKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	x := rnd(r, 67)
	for i := range x {
		x[i] *= 5
	}
	x = append(x, 0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), -3, 3, 6, -6, 0.5)
	ref := map[kernels.ActOp]func(v, a, b float64) float64{
		kernels.ActNone: func(v, a, b float64) float64 { return v },
		kernels.ActRelu: func(v, a, b float64) float64 {
			if v < 0 {
				return 0
			}
			return v
		},
		kernels.ActLeakyRelu: func(v, a, b float64) float64 {
			if v < 0 {
				return a * v
			}
			return v
		},
		kernels.ActHardSigmoid: func(v, a, b float64) float64 { return nanMax(0, nanMin(1, a*v+b)) },
		kernels.ActHardSwish:   func(v, a, b float64) float64 { return v * nanMax(0, nanMin(1, v/6+0.5)) },
		kernels.ActClip:        func(v, a, b float64) float64 { return nanMin(nanMax(v, a), b) },
		kernels.ActScale:       func(v, a, b float64) float64 { return a*v + b },
		kernels.ActSigmoid:     func(v, a, b float64) float64 { return 1 / (1 + math.Exp(-v)) },
		kernels.ActTanh:        func(v, a, b float64) float64 { return math.Tanh(v) },
	}
	for op, f := range ref {
		a := kernels.Act{Op: op, Alpha: 0.2, Beta: 0.6}
		if op == kernels.ActClip {
			a.Alpha, a.Beta = -1, 6
		}
		for _, n := range []int{0, 1, 3, 4, 5, 8, 17, len(x)} {
			dst := make([]float32, n)
			if !kernels.ActKernel(dst, x[:n], a) {
				t.Fatalf("ActKernel(%v) = false", a)
			}
			in := append([]float32(nil), x[:n]...)
			kernels.ActKernel(in, in, a)
			for i := range n {
				want := f(float64(x[i]), float64(a.Alpha), float64(a.Beta))
				if dst[i] != in[i] && !(dst[i] != dst[i] && in[i] != in[i]) {
					t.Fatalf("%v n=%d: [%d] in place %v, not %v", a, n, i, in[i], dst[i])
				}
				// float32 rounding of each term, relative to the terms
				v, tol := float64(x[i]), 0.0
				if !math.IsInf(v, 0) {
					tol = 1e-6 * (math.Abs(want) + math.Abs(float64(a.Alpha)*v) + math.Abs(float64(a.Beta)) + math.Abs(v))
				}
				if math.IsNaN(want) != (dst[i] != dst[i]) || !math.IsNaN(want) && dst[i] != float32(want) && math.Abs(float64(dst[i])-want) > tol {
					t.Fatalf("%v: f(%v) = %v, want %v", a, x[i], dst[i], want)
				}
			}
		}
	}
	// ReLU keeps -0, as kernels.ReLU does.
	neg0 := []float32{float32(math.Copysign(0, -1))}
	kernels.ActKernel(neg0, neg0, kernels.Act{Op: kernels.ActRelu})
	if !math.Signbit(float64(neg0[0])) {
		t.Error("ActKernel relu(-0) lost the sign")
	}
	for _, op := range []kernels.ActOp{kernels.ActElu, kernels.ActExp, kernels.ActRound, kernels.ActErf, kernels.ActSoftplus} {
		dst := []float32{7, 7}
		if kernels.ActKernel(dst, []float32{1, 2}, kernels.Act{Op: op}) || dst[0] != 7 || dst[1] != 7 {
			t.Errorf("ActKernel(op %d) handled it or wrote %v; want false and nothing written", op, dst)
		}
	}
}

func nanMin(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return math.Min(a, b)
}

func nanMax(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return math.Max(a, b)
}

// TestPrimsShapesChecked: a bad length or parameter panics with a
// *ShapeError that says what, and writes nothing.
func TestPrimsShapesChecked(t *testing.T) {
	conv := func() kernels.ConvParams {
		return kernels.ConvParams{N: 1, InC: 2, OutC: 2, Group: 2, In: []int{4, 4}, Out: []int{4, 4}, Kernel: []int{3, 3},
			Stride: []int{1, 1}, Dilation: []int{1, 1}, Pad: []int{1, 1}}
	}
	pool := func() kernels.PoolParams {
		return kernels.PoolParams{N: 1, C: 2, In: []int{4, 4}, Out: []int{2, 2}, Kernel: []int{2, 2},
			Stride: []int{2, 2}, Dilation: []int{1, 1}, Pad: []int{0, 0}, PadEnd: []int{0, 0}}
	}
	src, w, b := make([]float32, 32), make([]float32, 18), make([]float32, 2)
	out := make([]float32, 32)
	for i := range out {
		out[i] = -1
	}
	for _, tt := range []struct {
		name, want string
		f          func()
	}{
		{"im2col col", "kernels.Im2colConv: len(col) = 32, want InC/Group*Kernel*Out = 9*16 = 144", func() { kernels.Im2colConv(out, src, conv(), 0, 0) }},
		{"im2col group", "kernels.Im2colConv: image 0, group 2; want 0 <= image < N = 1 and 0 <= group < Group = 2", func() { kernels.Im2colConv(out, src, conv(), 0, 2) }},
		{"im2col rank", "kernels.Im2colConv: len(In) = 3; want 1 or 2 spatial dimensions", func() {
			p := conv()
			p.In = []int{1, 2, 3}
			kernels.Im2colConv(out, src, p, 0, 0)
		}},
		{"im2col stride", "kernels.Im2colConv: dimension 1: In 4, Out 4, Kernel 3, Stride 0, Dilation 1, Pad 1, PadEnd 0; want In, Kernel, Stride, Dilation >= 1, Out, Pad, PadEnd >= 0, each at most 2^29", func() {
			p := conv()
			p.Stride = []int{1, 0}
			kernels.Im2colConv(out, src, p, 0, 0)
		}},
		{"im2col groups", "kernels.Im2colConv: N = 1, InC = 3, OutC = 2, Group = 2; want N >= 0, InC >= 1 and Group >= 1 dividing InC and OutC", func() {
			p := conv()
			p.InC = 3
			kernels.Im2colConv(out, src, p, 0, 0)
		}},
		{"im2col huge", "kernels.Im2colConv: dimension 0: the windows reach 1073741824 and In+PadEnd is 4; want at most 2^29", func() {
			p := conv()
			p.Out = []int{1 << 29, 4}
			p.Stride = []int{2, 1}
			kernels.Im2colConv(out, src, p, 0, 0)
		}},
		{"dw group", "kernels.DepthwiseConv: InC = 2, OutC = 2, Group = 1; want Group = InC = OutC (depthwise, multiplier 1)", func() {
			p := conv()
			p.Group = 1
			kernels.DepthwiseConv(out, src, w, b, p)
		}},
		{"dw w", "kernels.DepthwiseConv: len(w) = 17, want InC*Kernel = 2*9 = 18", func() { kernels.DepthwiseConv(out, src, w[:17], b, conv()) }},
		{"dw b", "kernels.DepthwiseConv: len(b) = 1, want InC = 2 (or b = nil)", func() { kernels.DepthwiseConv(out, src, w, b[:1], conv()) }},
		{"dw dst", "kernels.DepthwiseConv: len(dst) = 31, want N*InC*Out = 1*2*16 = 32", func() { kernels.DepthwiseConv(out[:31], src, w, b, conv()) }},
		{"dw overlap", "kernels.DepthwiseConv: dst overlaps src; use separate buffers", func() { kernels.DepthwiseConv(src, src, w, b, conv()) }},
		{"pool src", "kernels.Pool: len(src) = 31, want N*C*In = 1*2*16 = 32", func() { kernels.Pool(out[:8], src[:31], pool(), true) }},
		{"pool padend", "kernels.Pool: len(PadEnd) = 1, want len(In) = 2", func() {
			p := pool()
			p.PadEnd = []int{0}
			kernels.Pool(out[:8], src, p, true)
		}},
		{"pool negative pad", "kernels.Pool: dimension 0: In 4, Out 2, Kernel 2, Stride 2, Dilation 1, Pad -1, PadEnd 0; want In, Kernel, Stride, Dilation >= 1, Out, Pad, PadEnd >= 0, each at most 2^29", func() {
			p := pool()
			p.Pad = []int{-1, 0}
			kernels.Pool(out[:8], src, p, true)
		}},
		{"pool overlap", "kernels.Pool: dst overlaps src; use separate buffers", func() { kernels.Pool(src[:8], src, pool(), false) }},
		{"act len", "kernels.ActKernel: lengths differ: len(dst), len(x) = 3, 4", func() { kernels.ActKernel(out[:3], src[:4], kernels.Act{}) }},
		{"act overlap", "kernels.ActKernel: dst partly overlaps x; pass the same slice or separate buffers", func() { kernels.ActKernel(out[1:5], out[:4], kernels.Act{}) }},
	} {
		se := panics(t, tt.name, tt.f)
		if se != nil && se.Error() != tt.want {
			t.Errorf("%s: %q\nwant %q", tt.name, se.Error(), tt.want)
		}
	}
	for i, v := range out {
		if v != -1 {
			t.Fatalf("out[%d] = %v after failed calls, want -1 (untouched)", i, v)
		}
	}
}
