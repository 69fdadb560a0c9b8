package modules_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
)

// The primitives of package kernels (prims.go) under wazero, against the
// same calls in native pure Go: every variant must match bit for bit.

// geomBlock is package kernels' geom, the int32 block the spatial kernels
// read: C, then H, W pairs of In, Out, Kernel, Stride, Dilation, Pad and
// In+PadEnd, then op, alpha and beta (float32 bits). 1-D has H = 1.
func geomBlock(c int, in, out, k, s, d, pad, padEnd []int, op int, alpha, beta float32) []uint32 {
	b := make([]uint32, 18)
	b[0] = uint32(c)
	for i, l := range [][]int{in, out, k, s, d, pad} {
		b[1+2*i], b[2+2*i] = 1, uint32(l[len(l)-1])
		if i == 5 {
			b[1+2*i] = 0
		}
		if len(l) == 2 {
			b[1+2*i] = uint32(l[0])
		}
	}
	e := make([]int, len(in))
	for i := range in {
		e[i] = in[i]
		if padEnd != nil {
			e[i] += padEnd[i]
		}
	}
	b[13], b[14] = 1, uint32(e[len(e)-1])
	if len(e) == 2 {
		b[13] = uint32(e[0])
	}
	b[15], b[16], b[17] = uint32(op), math.Float32bits(alpha), math.Float32bits(beta)
	return b
}

func (h *harness) putWords(p uint32, w []uint32) {
	b := make([]byte, 4*len(w))
	for i, v := range w {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	if !h.mem.Write(p, b) {
		h.t.Fatalf("write %d words at %d: outside memory", len(w), p)
	}
}

// sameBits compares bit for bit (any NaN matches any NaN).
func sameBits(t testing.TB, v modules.Variant, fn, shape string, got, want []float32) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
			t.Fatalf("%s %s %s: [%d] = %v, pure Go %v", v, fn, shape, i, g, w)
		}
	}
}

func prod(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}

// outLen is ONNX's output length, with ceil mode's rule that a window
// starts inside the input or the leading padding.
func outLen(in, k, s, d, pb, pe int, ceil bool) int {
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

// spatial draws 1-D or 2-D sizes, often with strides 1 and 2 and wide rows
// (the SIMD paths), sometimes odd strides, dilations and pads.
func spatial(r *rand.Rand, ceil bool) (in, out, k, s, d, pb, pe []int) {
	for range 1 + r.IntN(2) {
		kk, ss, dd := 1+r.IntN(4), 1+r.IntN(2), 1
		if r.IntN(4) == 0 {
			ss, dd = 1+r.IntN(4), 1+r.IntN(3)
		}
		n := (kk-1)*dd + 1 + r.IntN(30)
		b, e := r.IntN(kk), r.IntN(kk)
		in, k, s, d = append(in, n), append(k, kk), append(s, ss), append(d, dd)
		pb, pe = append(pb, b), append(pe, e)
		out = append(out, outLen(n, kk, ss, dd, b, e, ceil))
	}
	return
}

// special sprinkles values that tell orders and lane handling apart.
func special(r *rand.Rand, s []float32) {
	vals := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40, -3, 3, 6}
	for range len(s) / 16 {
		s[r.IntN(len(s))] = vals[r.IntN(len(vals))]
	}
}

var primActs = []kernels.Act{{}, {Op: kernels.ActRelu}, {Op: kernels.ActLeakyRelu, Alpha: 0.01}, {Op: kernels.ActHardSigmoid, Alpha: 0.2, Beta: 0.5},
	{Op: kernels.ActHardSwish}, {Op: kernels.ActClip, Alpha: 0, Beta: 6}, {Op: kernels.ActScale, Alpha: -1.5, Beta: 0.25},
	// Binary's Max and Min against a scalar (the bounds at ±Inf)
	{Op: kernels.ActClip, Alpha: -0.5, Beta: float32(math.Inf(1))}, {Op: kernels.ActClip, Alpha: float32(math.Inf(-1)), Beta: 0},
	{Op: kernels.ActSigmoid}, {Op: kernels.ActTanh}}

// kernelHost is a kernel module linked to a memory: harness (wazero) or
// browserHarness (Chromium).
type kernelHost interface {
	put(p uint32, s []float32)
	putWords(p uint32, w []uint32)
	get(p uint32, n int) []float32
	call(name string, args ...uint64) []uint64
}

// checkPrims runs each primitive once on shapes drawn from r at byte
// offset off and compares it with package kernels' pure Go.
func checkPrims(t testing.TB, h kernelHost, v modules.Variant, r *rand.Rand, off uint32) {
	L := &layout{next: 1024 + off}
	pg := L.at(18)

	// im2col_conv: one image and group of a grouped convolution.
	in, out, k, s, d, pb, _ := spatial(r, false)
	cp := kernels.ConvParams{N: 1 + r.IntN(2), Group: 1 + r.IntN(3), In: in, Out: out, Kernel: k, Stride: s, Dilation: d, Pad: pb}
	cp.InC, cp.OutC = cp.Group*(1+r.IntN(3)), cp.Group
	shape := fmt.Sprintf("%+v off=%d", cp, off)
	cg, plane := cp.InC/cp.Group, prod(in)
	src := rnd(r, cp.N*cp.InC*plane)
	special(r, src)
	ps := L.at(len(src))
	h.put(ps, src)
	n, g := r.IntN(cp.N), r.IntN(cp.Group)
	col := make([]float32, cg*prod(k)*prod(out))
	pc := L.at(len(col))
	h.putWords(pg, geomBlock(cg, in, out, k, s, d, pb, nil, 0, 0, 0))
	h.call("im2col_conv", uint64(pc), uint64(ps+uint32(4*(n*cp.InC+g*cg)*plane)), uint64(pg))
	kernels.Im2colConv(col, src, cp, n, g)
	sameBits(t, v, "im2col_conv", shape, h.get(pc, len(col)), col)

	// dwconv: depthwise, per image as package kernels calls it.
	in, out, k, s, d, pb, _ = spatial(r, false)
	c := 1 + r.IntN(4)
	dp := kernels.ConvParams{N: 1 + r.IntN(2), InC: c, OutC: c, Group: c, In: in, Out: out, Kernel: k, Stride: s, Dilation: d, Pad: pb,
		Act: primActs[r.IntN(len(primActs))]}
	shape = fmt.Sprintf("%+v off=%d", dp, off)
	src, w, b := rnd(r, dp.N*c*prod(in)), rnd(r, c*prod(k)), rnd(r, c)
	special(r, src)
	if r.IntN(3) == 0 {
		b = nil
	}
	ps, pw, pb2 := L.at(len(src)), L.at(len(w)), L.at(len(b))
	h.put(ps, src)
	h.put(pw, w)
	h.put(pb2, b)
	if b == nil {
		pb2 = 0
	}
	dst := make([]float32, dp.N*c*prod(out))
	pd := L.at(len(dst))
	h.putWords(pg, geomBlock(c, in, out, k, s, d, pb, nil, int(dp.Act.Op), dp.Act.Alpha, dp.Act.Beta))
	for i := range dp.N {
		h.call("dwconv", uint64(pd+uint32(4*i*c*prod(out))), uint64(ps+uint32(4*i*c*prod(in))), uint64(pw), uint64(pb2), uint64(pg))
	}
	kernels.DepthwiseConv(dst, src, w, b, dp)
	sameBits(t, v, "dwconv", shape, h.get(pd, len(dst)), dst)

	// pool: max and average, ceil mode or not, count_include_pad or not.
	in, out, k, s, d, pb, pe := spatial(r, r.IntN(2) == 0)
	pp := kernels.PoolParams{N: 1 + r.IntN(2), C: 1 + r.IntN(3), In: in, Out: out, Kernel: k, Stride: s, Dilation: d, Pad: pb, PadEnd: pe,
		CountIncludePad: r.IntN(2) == 0}
	src = rnd(r, pp.N*pp.C*prod(in))
	special(r, src)
	ps = L.at(len(src))
	h.put(ps, src)
	dst = make([]float32, pp.N*pp.C*prod(out))
	pd = L.at(len(dst))
	for _, isMax := range []bool{true, false} {
		op := 0
		if isMax {
			op |= 1
		}
		if pp.CountIncludePad {
			op |= 2
		}
		shape = fmt.Sprintf("%+v max=%v off=%d", pp, isMax, off)
		h.putWords(pg, geomBlock(pp.N*pp.C, in, out, k, s, d, pb, pe, op, 0, 0))
		h.call("pool", uint64(pd), uint64(ps), uint64(pg))
		kernels.Pool(dst, src, pp, isMax)
		sameBits(t, v, "pool", shape, h.get(pd, len(dst)), dst)
	}

	// act: every op, in place and not.
	x := rnd(r, r.IntN(70))
	for i := range x {
		x[i] *= 8
	}
	special(r, x)
	px, py := L.at(len(x)), L.at(len(x))
	for _, a := range primActs {
		shape = fmt.Sprintf("%+v n=%d off=%d", a, len(x), off)
		h.put(px, x)
		h.call("act", uint64(py), uint64(px), uint64(len(x)), uint64(a.Op), f32(a.Alpha), f32(a.Beta))
		h.call("act", uint64(px), uint64(px), uint64(len(x)), uint64(a.Op), f32(a.Alpha), f32(a.Beta))
		want := make([]float32, len(x))
		kernels.ActKernel(want, x, a)
		sameBits(t, v, "act", shape, h.get(py, len(x)), want)
		sameBits(t, v, "act in place", shape, h.get(px, len(x)), want)
	}
}

// TestPrimsMatchPureGo runs both kernel modules' primitives under wazero
// on random shapes at aligned and unaligned addresses, bit for bit against
// pure Go.
func TestPrimsMatchPureGo(t *testing.T) {
	for _, v := range modules.Variants {
		t.Run(string(v), func(t *testing.T) {
			h := newHarness(t, v)
			r := rand.New(rand.NewPCG(77, uint64(len(v))))
			for i := range 300 {
				checkPrims(t, h, v, r, uint32(i%16))
			}
		})
	}
}

// FuzzPrims compares both kernel modules' primitives with pure Go on
// shapes, offsets and data drawn from fuzzed seeds.
func FuzzPrims(f *testing.F) {
	f.Add(uint64(1), uint8(0))
	f.Add(uint64(2), uint8(5))
	f.Add(uint64(3), uint8(12))
	hs := map[modules.Variant]*harness{}
	for _, v := range modules.Variants {
		hs[v] = newHarness(f, v)
	}
	f.Fuzz(func(t *testing.T, seed uint64, off uint8) {
		for _, v := range modules.Variants {
			h := *hs[v]
			h.t = t
			checkPrims(t, &h, v, rand.New(rand.NewPCG(seed, 11)), uint32(off%32))
		}
	})
}

// TestDwconvAtMemoryEdges puts a depthwise convolution's input at the very
// start and the very end of the memory: the SIMD edge blocks' masked loads
// read beside a row, so they must fall back to one output at a time where
// that would leave the memory (a trap), and still match pure Go.
func TestDwconvAtMemoryEdges(t *testing.T) {
	for _, v := range modules.Variants {
		h := newHarness(t, v)
		memEnd := h.mem.Size()
		r := rand.New(rand.NewPCG(9, 9))
		for _, tc := range []struct{ in, k, s, d, pad int }{
			{8, 3, 1, 1, 1}, {16, 3, 2, 1, 1}, {13, 5, 1, 1, 2}, {12, 3, 1, 2, 2}, {9, 3, 2, 1, 1}, {20, 4, 2, 1, 3},
		} {
			sq := func(v int) []int { return []int{v, v} }
			out := (tc.in+2*tc.pad-(tc.k-1)*tc.d-1)/tc.s + 1
			const c = 3
			dp := kernels.ConvParams{N: 1, InC: c, OutC: c, Group: c, In: sq(tc.in), Out: sq(out), Kernel: sq(tc.k), Stride: sq(tc.s),
				Dilation: sq(tc.d), Pad: sq(tc.pad), Act: kernels.Act{Op: kernels.ActRelu}}
			src, w, b := rnd(r, c*tc.in*tc.in), rnd(r, c*tc.k*tc.k), rnd(r, c)
			want := make([]float32, c*out*out)
			kernels.DepthwiseConv(want, src, w, b, dp)
			for _, ps := range []uint32{0, memEnd - uint32(4*len(src))} {
				shape := fmt.Sprintf("%+v src at %d of %d", dp, ps, memEnd)
				L := &layout{next: 64 * 1024}
				pg, pw, pb, pd := L.at(18), L.at(len(w)), L.at(len(b)), L.at(len(want))
				h.put(ps, src)
				h.put(pw, w)
				h.put(pb, b)
				h.putWords(pg, geomBlock(c, dp.In, dp.Out, dp.Kernel, dp.Stride, dp.Dilation, dp.Pad, nil, int(dp.Act.Op), 0, 0))
				if _, err := h.k.ExportedFunction("dwconv").Call(h.ctx, uint64(pd), uint64(ps), uint64(pw), uint64(pb), uint64(pg)); err != nil {
					t.Fatalf("%s dwconv %s: %v", v, shape, err)
				}
				sameBits(t, v, "dwconv", shape, h.get(pd, len(want)), want)
			}
		}
	}
}

// TestMaxPool2x2MatchesPureGo runs the 2×2 stride-2 max-pool, the SIMD
// kernel's $maxPool2Row when both window rows and every window of a row are
// inside the input, on even and odd sizes, ceil mode, padding (the general
// path) and unaligned addresses, with NaN, ±0 and ±Inf among the values,
// bit for bit against pure Go.
func TestMaxPool2x2MatchesPureGo(t *testing.T) {
	for _, v := range modules.Variants {
		t.Run(string(v), func(t *testing.T) {
			h := newHarness(t, v)
			r := rand.New(rand.NewPCG(21, uint64(len(v))))
			for _, ih := range []int{2, 3, 8, 24} {
				for _, iw := range []int{2, 3, 4, 7, 8, 9, 10, 16, 24, 25} {
					for _, pad := range []int{0, 1} {
						for _, ceil := range []bool{false, true} {
							in, k, s, d := []int{ih, iw}, []int{2, 2}, []int{2, 2}, []int{1, 1}
							out := []int{outLen(ih, 2, 2, 1, pad, pad, ceil), outLen(iw, 2, 2, 1, pad, pad, ceil)}
							pp := kernels.PoolParams{N: 2, C: 3, In: in, Out: out, Kernel: k, Stride: s, Dilation: d, Pad: []int{pad, pad}, PadEnd: []int{pad, pad}}
							off := uint32(4 * r.IntN(4))
							L := &layout{next: 1024 + off}
							pg := L.at(18)
							src := rnd(r, pp.N*pp.C*prod(in))
							special(r, src)
							ps := L.at(len(src))
							h.put(ps, src)
							dst := make([]float32, pp.N*pp.C*prod(out))
							pd := L.at(len(dst))
							h.putWords(pg, geomBlock(pp.N*pp.C, in, out, k, s, d, pp.Pad, pp.PadEnd, 1, 0, 0))
							h.call("pool", uint64(pd), uint64(ps), uint64(pg))
							kernels.Pool(dst, src, pp, true)
							sameBits(t, v, "pool", fmt.Sprintf("%+v off=%d", pp, off), h.get(pd, len(dst)), dst)
						}
					}
				}
			}
		})
	}
}
