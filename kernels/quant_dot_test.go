package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ConvQ8Dot and GemmExQ8Dot against pure Go of the same arithmetic, bit
// for bit (natively, and under wazero in every kernel variant): im2col in
// Go, goQ8Act, goQ8DotGemm or goQ8DotGemv, then the activation (3×3
// depthwise: goQ8DwAct and goQ8DwConv per image). And close
// to the float32 ops on the dequantized weights: the int16 activations add
// an error of at most max|x|/8190 per value.
func TestQ8DotOpsMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	sq := func(v int) []int { return []int{v, v} }
	convs := []ConvParams{
		{N: 2, InC: 3, OutC: 4, Group: 1, In: []int{7, 6}, Out: []int{7, 6}, Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1)},
		{N: 1, InC: 4, OutC: 16, Group: 2, In: []int{9}, Out: []int{4}, Kernel: []int{3}, Stride: []int{2}, Dilation: []int{1}, Pad: []int{0}, Act: Act{Op: ActRelu}},
		{N: 2, InC: 8, OutC: 9, Group: 1, In: sq(4), Out: sq(4), Kernel: sq(1), Stride: sq(1), Dilation: sq(1), Pad: sq(0)},
		{N: 1, InC: 8, OutC: 5, Group: 1, In: sq(4), Out: sq(4), Kernel: sq(1), Stride: sq(1), Dilation: sq(1), Pad: sq(0)},
		{N: 1, InC: 16, OutC: 33, Group: 1, In: sq(8), Out: sq(8), Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1), Act: Act{Op: ActClip, Beta: 6}},
		{N: 1, InC: 3, OutC: 8, Group: 1, In: sq(28), Out: sq(24), Kernel: sq(5), Stride: sq(1), Dilation: sq(1), Pad: sq(0)},
		// depthwise: the integer kernels (3×3, strides 1 and 2), ConvQ8 (5×5)
		{N: 2, InC: 6, OutC: 6, Group: 6, In: sq(9), Out: sq(9), Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1), Act: Act{Op: ActClip, Beta: 6}},
		{N: 1, InC: 5, OutC: 5, Group: 5, In: []int{11, 8}, Out: []int{6, 4}, Kernel: sq(3), Stride: sq(2), Dilation: sq(1), Pad: sq(1)},
		{N: 1, InC: 4, OutC: 4, Group: 4, In: sq(8), Out: sq(8), Kernel: sq(5), Stride: sq(1), Dilation: sq(1), Pad: sq(2)},
	}
	for i, p := range convs {
		c := checkConv("test", p)
		kk := c.icg * c.ks
		w := make([]int8, p.OutC*kk)
		for j := range w {
			w[j] = int8(r.IntN(256) - 128)
		}
		scale, b := make([]float32, p.OutC), make([]float32, p.OutC)
		wf := make([]float32, len(w))
		for j := range scale {
			scale[j] = float32(r.Float64()+0.5) / 127
			b[j] = float32(r.NormFloat64())
		}
		for j := range w {
			wf[j] = float32(w[j]) * scale[j/kk]
		}
		src := randSlice(r, p.N*p.InC*c.is)
		got := make([]float32, p.N*p.OutC*c.os)
		ConvQ8Dot(got, src, w, scale, b, make([]float32, ConvQ8DotScratch(p)), p)
		want := make([]float32, len(got))
		col := make([]float32, kk*c.os)
		q := make([]int32, (kk+1)/2*c.os)
		if !c.q8dot() { // fewer than 8 channels a group, or depthwise but 3×3: ConvQ8
			ConvQ8(want, src, w, scale, b, make([]float32, ConvQ8Scratch(p)), p)
		}
		if c.q8dw() {
			g, _ := q8dwGeom(p)
			xq := make([]int16, q8dwLen(&g))
			g[gOp] = 0
			for n := range c.n {
				sa := goQ8DwAct(xq, src[n*c.inC*c.is:(n+1)*c.inC*c.is], &g)
				goQ8DwConv(want[n*c.outC*c.os:(n+1)*c.outC*c.os], xq, w, scale, sa, b, &g)
			}
		}
		for n := range c.n * b2i(c.q8dot() && !c.depthwise()) {
			for g := range c.group {
				sg := src[(n*c.inC+g*c.icg)*c.is : (n*c.inC+(g+1)*c.icg)*c.is]
				im2colGroup(col, sg, &c)
				sa := goQ8Act(q, col, kk, c.os)
				o := (n*c.outC + g*c.ocg) * c.os
				goQ8DotGemm(want[o:o+c.ocg*c.os], w[g*c.ocg*kk:(g+1)*c.ocg*kk], scale[g*c.ocg:(g+1)*c.ocg], q, sa, b[g*c.ocg:(g+1)*c.ocg], c.ocg, kk, c.os)
			}
		}
		if p.Act.Op != ActNone && c.q8dot() {
			activateRange(want, want, p.Act)
		}
		sameF32(t, "ConvQ8Dot", i, got, want)
		// close to Conv on the dequantized weights
		ref := make([]float32, len(got))
		Conv(ref, src, wf, b, make([]float32, ConvScratch(p)), p)
		nearF32(t, "ConvQ8Dot vs Conv", i, got, ref, 2e-3)
	}
	// Gemm as torch's Linear: y = A·Bᵀ + c, two rows.
	m, k, n := 2, 300, 11
	w := make([]int8, n*k)
	for j := range w {
		w[j] = int8(r.IntN(256) - 128)
	}
	scale := make([]float32, n)
	for j := range scale {
		scale[j] = float32(r.Float64()+0.5) / 127
	}
	a, cv := randSlice(r, m*k), randSlice(r, n)
	p := GemmParams{M: m, N: n, K: k, TransB: true, Alpha: 1, Beta: 1, CRows: 1, CCols: n, Act: Act{Op: ActRelu}}
	got := make([]float32, m*n)
	GemmExQ8Dot(got, a, w, scale, cv, p)
	want := make([]float32, m*n)
	xq := make([]int32, (k+1)/2)
	for i := range m {
		sa := goQ8Act(xq, a[i*k:(i+1)*k], k, 1)
		goQ8DotGemv(want[i*n:(i+1)*n], w, scale, xq, sa, cv, n, k)
	}
	activateRange(want, want, p.Act)
	sameF32(t, "GemmExQ8Dot", 0, got, want)
	ref := make([]float32, m*n)
	GemmExQ8(ref, a, w, scale, cv, p)
	nearF32(t, "GemmExQ8Dot vs GemmExQ8", 0, got, ref, 2e-3)
}

// nearF32 checks |got−want| ≤ tol·max|want| for every value.
func nearF32(t *testing.T, fn string, i int, got, want []float32, tol float64) {
	t.Helper()
	var mx float64
	for _, v := range want {
		mx = math.Max(mx, math.Abs(float64(v)))
	}
	for j := range want {
		if d := math.Abs(float64(got[j] - want[j])); d > tol*mx {
			t.Fatalf("%s case %d: [%d] = %v, want %v (|diff| %g > %g·%g)", fn, i, j, got[j], want[j], d, tol, mx)
		}
	}
}

// A NaN or infinity among the activations, or all zeros, cannot be
// quantized: ConvQ8Dot and GemmExQ8Dot then give ConvQ8's and GemmExQ8's
// bits, NaN and infinities carried as the float path carries them.
func TestQ8DotFallsBack(t *testing.T) {
	sq := func(v int) []int { return []int{v, v} }
	for _, p := range []ConvParams{
		{N: 1, InC: 4, OutC: 8, Group: 1, In: sq(5), Out: sq(5), Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1)},
		{N: 2, InC: 8, OutC: 8, Group: 8, In: sq(5), Out: sq(5), Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1)},
	} {
		r := rand.New(rand.NewPCG(7, 8))
		kk := p.InC / p.Group * 9
		w := make([]int8, 8*kk)
		for j := range w {
			w[j] = int8(r.IntN(256) - 128)
		}
		scale := []float32{0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08}
		if c := checkConv("test", p); !c.q8dot() {
			t.Fatal("the case runs ConvQ8 whatever its input: give it 8 channels or more")
		}
		for i, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1)), 0} {
			src := randSlice(r, p.N*p.InC*25)
			if bad == 0 {
				clear(src)
			} else {
				for n := range p.N { // each image falls back on its own
					src[n*p.InC*25+13] = bad
				}
			}
			got := make([]float32, p.N*8*25)
			ConvQ8Dot(got, src, w, scale, scale, make([]float32, ConvQ8DotScratch(p)), p)
			want := make([]float32, p.N*8*25)
			ConvQ8(want, src, w, scale, scale, make([]float32, ConvQ8Scratch(p)), p)
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) && !(got[j] != got[j] && want[j] != want[j]) {
					t.Fatalf("group %d case %d: [%d] = %v, ConvQ8 %v", p.Group, i, j, got[j], want[j])
				}
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
