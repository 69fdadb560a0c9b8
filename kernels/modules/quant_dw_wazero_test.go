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

// The integer depthwise kernels (kernels/quant_dw.go) under wazero against
// package kernels' ConvQ8Dot in pure Go, bit for bit in every variant:
// q8dwact's scale, then q8dwconv on its planes (and the activation where
// the kernel leaves it to the caller), per image.

// dwCase is one depthwise convolution with int8 weights.
type dwCase struct {
	p           kernels.ConvParams
	src         []float32
	w           []int8
	scale, bias []float32
}

func randDwCase(r *rand.Rand, c, in, s, pad int, act kernels.Act, bias, specials bool) dwCase {
	sq := func(v int) []int { return []int{v, v} }
	out := (in+2*pad-3)/s + 1
	d := dwCase{
		p: kernels.ConvParams{N: 1, InC: c, OutC: c, Group: c, In: sq(in), Out: sq(max(out, 0)), Kernel: sq(3),
			Stride: sq(s), Dilation: sq(1), Pad: sq(pad), Act: act},
		src: randF32(r, c*in*in), w: randI8(r, 9*c), scale: make([]float32, c),
	}
	for i := range d.scale {
		d.scale[i] = float32(r.Float64()) / 127
	}
	if bias {
		d.bias = randF32(r, c)
	}
	if specials {
		special(r, d.src)
	}
	return d
}

// checkQ8Dw runs q8dwact and q8dwconv on d with the weights at byte
// offset off and compares the output with kernels.ConvQ8Dot.
func checkQ8Dw(t testing.TB, h *harness, v modules.Variant, d dwCase, off uint32) {
	t.Helper()
	p := d.p
	if !kernels.ConvQ8DotUsesDot(p) {
		t.Fatalf("%v: ConvQ8Dot does not take the integer depthwise kernel", p)
	}
	shape := fmt.Sprintf("C%d In%v S%v P%v act %d bias %v", p.InC, p.In, p.Stride, p.Pad, p.Act.Op, d.bias != nil)
	outN := p.OutC * p.Out[0] * p.Out[1]
	want := make([]float32, outN)
	kernels.ConvQ8Dot(want, d.src, d.w, d.scale, d.bias, make([]float32, kernels.ConvQ8DotScratch(p)), p)
	g, done := kernels.Q8DwGeom(p)
	n16 := kernels.Q8DwActLen(p)
	pw := 64 + off
	pg := (pw + uint32(len(d.w)) + 63) &^ 63
	pscale := pg + 4*uint32(len(g))
	pbias := pscale + uint32(4*p.InC)
	psrc := pbias + uint32(4*p.InC)
	pq := psrc + uint32(4*len(d.src)) + 2 // int16 planes, 2 bytes off 4
	pdst := (pq + uint32(2*n16) + 63) &^ 63
	if end := pdst + uint32(4*outN); end > 2<<20 {
		t.Skip("too big for the harness memory")
	}
	h.putBytes(pw, i8bytes(d.w))
	words := make([]byte, 4*len(g))
	for i, x := range g {
		binary.LittleEndian.PutUint32(words[4*i:], uint32(x))
	}
	h.putBytes(pg, words)
	h.put(pscale, d.scale)
	h.put(psrc, d.src)
	biasp := uint64(0)
	if d.bias != nil {
		h.put(pbias, d.bias)
		biasp = uint64(pbias)
	}
	u := func(p uint32) uint64 { return uint64(p) }
	// Fill the planes' buffer with garbage: q8dwact must write every value.
	junk := make([]byte, 2*n16)
	for i := range junk {
		junk[i] = 0xa5
	}
	h.putBytes(pq, junk)
	var mx float32
	for _, x := range d.src {
		mx = max(mx, float32(math.Abs(float64(x))))
	}
	wantSA := mx / kernels.Q8ActBound
	if mx == 0 || math.IsInf(float64(mx), 0) || math.IsNaN(float64(mx)) || hasNaN(d.src) {
		wantSA = 0
	}
	sa := math.Float32frombits(uint32(h.call("q8dwact", u(pq), u(psrc), u(pg))[0]))
	if math.Float32bits(sa) != math.Float32bits(wantSA) {
		t.Fatalf("%s q8dwact %s: scale %v, want %v", v, shape, sa, wantSA)
	}
	if sa == 0 {
		return // ConvQ8Dot ran the float path: the test of dwconv covers it
	}
	h.call("q8dwconv", u(pdst), u(pq), u(pw), u(pscale), f32(sa), biasp, u(pg))
	got := h.get(pdst, outN)
	if !done {
		kernels.Activate(got, got, p.Act)
	}
	sameBits(t, v, "q8dwconv", shape, got, want)
}

func hasNaN(s []float32) bool {
	for _, x := range s {
		if x != x {
			return true
		}
	}
	return false
}

// TestQ8DwKernelsMatchGo covers strides 1 and 2, pads 0 to 2, widths
// whose outputs leave 0 to 3 past the last block of four, two to 19
// channels, the activations the kernel applies,
// with and without bias, weights unaligned,
// NaN, infinities and zeros among the inputs in some runs.
func TestQ8DwKernelsMatchGo(t *testing.T) {
	acts := []kernels.Act{{}, {Op: kernels.ActRelu}, {Op: kernels.ActClip, Beta: 6}, {Op: kernels.ActHardSwish}, {Op: kernels.ActLeakyRelu, Alpha: 0.1}, {Op: kernels.ActClip, Alpha: -0.05, Beta: 0.05}}
	type size struct{ c, in, s, pad int }
	sizes := []size{{2, 3, 1, 0}, {2, 4, 1, 1}, {3, 5, 2, 1}, {16, 8, 1, 1}, {5, 9, 2, 1}, {7, 10, 1, 2}, {4, 13, 2, 0}, {19, 7, 1, 1}, {3, 32, 2, 1}, {2, 17, 1, 1}}
	for _, v := range modules.Variants {
		h := newHarness(t, v)
		r := rand.New(rand.NewPCG(3, 4))
		for i, s := range sizes {
			for _, bias := range []bool{false, true} {
				for _, off := range []uint32{0, 1} {
					checkQ8Dw(t, h, v, randDwCase(r, s.c, s.in, s.s, s.pad, acts[(i+int(off))%len(acts)], bias, off == 1 && i%3 == 0), off)
				}
			}
		}
	}
}

// FuzzQ8Dw runs random depthwise shapes (channels, input size, stride,
// pad, activation, bias, specials) through checkQ8Dw in every variant.
func FuzzQ8Dw(f *testing.F) {
	f.Add(uint8(3), uint8(7), uint8(0), uint8(1), uint8(0), true, false, uint8(0), uint64(1))
	f.Add(uint8(16), uint8(32), uint8(1), uint8(1), uint8(2), false, false, uint8(1), uint64(2))
	f.Add(uint8(5), uint8(3), uint8(1), uint8(2), uint8(3), true, true, uint8(3), uint64(3))
	hs := map[modules.Variant]*harness{}
	for _, v := range modules.Variants {
		hs[v] = newHarness(f, v)
	}
	acts := []kernels.Act{{}, {Op: kernels.ActRelu}, {Op: kernels.ActClip, Beta: 6}, {Op: kernels.ActHardSwish}, {Op: kernels.ActSigmoid}}
	f.Fuzz(func(t *testing.T, c, in, s, pad, act uint8, bias, specials bool, off uint8, seed uint64) {
		cc, n, st, pd := 2+int(c%40), 1+int(in%40), 1+int(s%2), int(pad%3)
		if (n+2*pd-3)/st+1 < 1 || n+2*pd < 3 {
			return // no output
		}
		for _, v := range modules.Variants {
			h := *hs[v]
			h.t = t
			r := rand.New(rand.NewPCG(seed, 13))
			checkQ8Dw(t, &h, v, randDwCase(r, cc, n, st, pd, acts[int(act)%len(acts)], bias, specials), uint32(off%16))
		}
	})
}
