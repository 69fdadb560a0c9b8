package modules_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
)

// The integer dot-product kernels (kernels/quant_dot.go) under wazero
// against package kernels' pure Go, bit for bit in every variant: q8act's
// scale and every pair it stores, then q8dotgemv and q8dotgemm on them.

func (h *harness) getWords(p uint32, n int) []int32 {
	b, ok := h.mem.Read(p, uint32(4*n))
	if !ok {
		h.t.Fatalf("read %d words at %d: outside memory", n, p)
	}
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return s
}

func sameWords(t testing.TB, v modules.Variant, fn, shape string, got, want []int32) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s %s %s: [%d] = %#x, pure Go %#x", v, fn, shape, i, uint32(got[i]), uint32(want[i]))
		}
	}
}

// dotCase is one run of the three kernels: a (m×k int8), scale, bias (or
// nil), x (k values for gemv) and b (k×n for gemm).
type dotCase struct {
	m, k, n     int
	a           []int8
	scale, bias []float32
	x, b        []float32
}

func randDotCase(r *rand.Rand, m, k, n int, bias, specials bool) dotCase {
	c := dotCase{m: m, k: k, n: n, a: randI8(r, m*k), scale: make([]float32, m), x: randF32(r, k), b: randF32(r, k*n)}
	for i := range c.scale {
		c.scale[i] = float32(r.Float64()) / 127
	}
	if bias {
		c.bias = randF32(r, m)
	}
	if specials {
		special(r, c.x)
		special(r, c.b)
	}
	return c
}

// checkQ8Dot runs q8act (vector and matrix), q8dotgemv and q8dotgemm on c
// at byte offset off (the weights unaligned when off%4 != 0) and compares
// each with package kernels.
func checkQ8Dot(t testing.TB, h *harness, v modules.Variant, c dotCase, off uint32) {
	t.Helper()
	m, k, n := c.m, c.k, c.n
	shape := sprintShape(m, k, n, c.bias != nil)
	pa := 64 + off
	pf := (pa + uint32(m*k) + 63) &^ 63
	pscale := pf
	pbias := pscale + uint32(4*m)
	px := pbias + uint32(4*m)
	pb := px + uint32(4*k)
	pxq := pb + uint32(4*k*n)
	pbq := pxq + uint32(4*((k+1)/2))
	py := pbq + uint32(4*((k+1)/2)*n)
	pc := py + uint32(4*m)
	if end := pc + uint32(4*m*n); end > 2<<20 {
		t.Skip("too big for the harness memory")
	}
	h.putBytes(pa, i8bytes(c.a))
	h.put(pscale, c.scale)
	h.put(px, c.x)
	h.put(pb, c.b)
	biasp := uint64(0)
	if c.bias != nil {
		h.put(pbias, c.bias)
		biasp = uint64(pbias)
	}
	u := func(p uint32) uint64 { return uint64(p) }

	// q8act of the vector, then q8dotgemv on it.
	xq := make([]int32, (k+1)/2)
	sa := kernels.Q8Act(xq, c.x, k, 1)
	got := h.call("q8act", u(pxq), u(px), uint64(k), 1)
	if g := math.Float32frombits(uint32(got[0])); math.Float32bits(g) != math.Float32bits(sa) {
		t.Fatalf("%s q8act %s vector: scale %v, pure Go %v", v, shape, g, sa)
	}
	if sa != 0 && k <= kernels.Q8DotMaxK {
		sameWords(t, v, "q8act vector", shape, h.getWords(pxq, len(xq)), xq)
		want := make([]float32, m)
		kernels.GemvQ8Dot(want, c.a, c.scale, xq, sa, c.bias, k)
		h.call("q8dotgemv", u(py), u(pa), u(pscale), u(pxq), f32(sa), biasp, uint64(m), uint64(k))
		sameBits(t, v, "q8dotgemv", shape, h.get(py, m), want)
	}

	// q8act of the matrix, then q8dotgemm on it.
	if n == 0 {
		return
	}
	bq := make([]int32, (k+1)/2*n)
	sb := kernels.Q8Act(bq, c.b, k, n)
	got = h.call("q8act", u(pbq), u(pb), uint64(k), uint64(n))
	if g := math.Float32frombits(uint32(got[0])); math.Float32bits(g) != math.Float32bits(sb) {
		t.Fatalf("%s q8act %s matrix: scale %v, pure Go %v", v, shape, g, sb)
	}
	if sb == 0 || k > kernels.Q8DotMaxK {
		return
	}
	sameWords(t, v, "q8act matrix", shape, h.getWords(pbq, len(bq)), bq)
	want := make([]float32, m*n)
	kernels.GemmQ8Dot(want, c.a, c.scale, bq, sb, c.bias, m, k, n)
	h.call("q8dotgemm", u(pc), u(pa), u(pscale), u(pbq), f32(sb), biasp, uint64(m), uint64(k), uint64(n))
	sameBits(t, v, "q8dotgemm", shape, h.get(pc, m*n), want)
}

// TestQ8DotKernelsMatchGo covers the SIMD paths (16/8-value steps of
// gemv, pairs of rows × 16 columns and 8 k per step of gemm, 4 columns,
// one column, odd k and odd m) and their tails, in every variant, with
// NaN, infinities and zeros among the activations in some runs.
func TestQ8DotKernelsMatchGo(t *testing.T) {
	sizes := [][3]int{{1, 1, 1}, {3, 5, 7}, {4, 16, 16}, {5, 17, 17}, {7, 33, 21}, {2, 100, 65}, {16, 150, 64}, {10, 784, 3},
		{1, 4, 4}, {3, 20, 1}, {0, 8, 8}, {6, 0, 9}, {8, 9, 576}, {6, 288, 64}, {2, 8, 16}, {3, 7, 35}}
	for _, v := range modules.Variants {
		h := newHarness(t, v)
		r := rand.New(rand.NewPCG(1, 2))
		for _, s := range sizes {
			for _, bias := range []bool{false, true} {
				for _, off := range []uint32{0, 1, 3} {
					checkQ8Dot(t, h, v, randDotCase(r, s[0], s[1], s[2], bias, off == 3), off)
				}
			}
		}
	}
}

// TestQ8DotLargestK runs K = Q8DotMaxK with every weight −128 and every
// activation at the bound (−4095 after quantization), the largest sum
// that any call can make (4096·128·4095 = 2,146,959,360), and checks it
// against the sum in int64 as well as against pure Go: an int32 that
// overflowed would wrap to a negative number.
func TestQ8DotLargestK(t *testing.T) {
	const k, m, n = kernels.Q8DotMaxK, 2, 20
	for _, v := range modules.Variants {
		h := newHarness(t, v)
		c := dotCase{m: m, k: k, n: n, a: make([]int8, m*k), scale: []float32{1, 0.5}, x: make([]float32, k), b: make([]float32, k*n)}
		for i := range c.a {
			c.a[i] = -128
		}
		for i := range c.x {
			c.x[i] = -2.5
		}
		for i := range c.b {
			c.b[i] = -2.5
		}
		checkQ8Dot(t, h, v, c, 0)
		// The sum itself: y[0] = float32(sum)·float32(1·sa).
		xq := make([]int32, k/2)
		sa := kernels.Q8Act(xq, c.x, k, 1)
		var sum int64
		for j := range k {
			sum += int64(c.a[j]) * int64(int16(xq[j/2]>>(16*(j%2))))
		}
		if sum != 4096*128*4095 {
			t.Fatalf("sum = %d, want %d: the activations are not at the bound", sum, 4096*128*4095)
		}
		y := make([]float32, m)
		kernels.GemvQ8Dot(y, c.a, c.scale, xq, sa, nil, k)
		if want := float32(float32(sum) * float32(1*sa)); y[0] != want {
			t.Fatalf("%s: y[0] = %v, want %v (the int64 sum %d scaled)", v, y[0], want, sum)
		}
	}
}

// FuzzQ8Dot compares every kernel module with pure Go on fuzzed shapes,
// offsets, seeds and special values.
func FuzzQ8Dot(f *testing.F) {
	f.Add(uint8(3), uint16(5), uint8(7), uint8(1), true, false, uint64(1))
	f.Add(uint8(0), uint16(0), uint8(0), uint8(0), false, false, uint64(2))
	f.Add(uint8(17), uint16(33), uint8(70), uint8(3), true, true, uint64(3))
	hs := map[modules.Variant]*harness{}
	for _, v := range modules.Variants {
		hs[v] = newHarness(f, v)
	}
	f.Fuzz(func(t *testing.T, m uint8, k uint16, n, off uint8, bias, specials bool, seed uint64) {
		for _, v := range modules.Variants {
			h := *hs[v]
			h.t = t
			r := rand.New(rand.NewPCG(seed, 11))
			checkQ8Dot(t, &h, v, randDotCase(r, int(m%40), int(k%(kernels.Q8DotMaxK+1)), int(n%90), bias, specials), uint32(off%16))
		}
	})
}

// BenchmarkQ8DotKernel times the integer kernels (q8act included) beside
// the float32 and int8-widening ones under wazero, on BenchmarkQuantKernel's
// shapes: gemv 128×784 and gemm 64×288×256.
func BenchmarkQ8DotKernel(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const m, n = 128, 784
	const gm, gk, gn = 64, 288, 256
	for _, v := range modules.Variants {
		h := newHarness(b, v)
		L := uint32(1024)
		alloc := func(bytes int) uint32 { p := L; L += (uint32(bytes) + 63) &^ 63; return p }
		pa, px, pbias, py := alloc(4*m*n), alloc(4*n), alloc(4*m), alloc(4*m)
		pq, pscale, pxq := alloc(m*n), alloc(4*m), alloc(2*n)
		pb, pc, pbq := alloc(4*gk*gn), alloc(4*gm*gn), alloc(2*gk*gn)
		h.put(pa, randF32(r, m*n))
		h.put(px, randF32(r, n))
		h.put(pbias, randF32(r, m))
		h.putBytes(pq, i8bytes(randI8(r, m*n)))
		h.put(pscale, randF32(r, m))
		h.put(pb, randF32(r, gk*gn))
		u := func(p uint32) uint64 { return uint64(p) }
		run := func(name string, f func()) {
			b.Run(name+"/wazero-"+string(v), func(b *testing.B) {
				for b.Loop() {
					f()
				}
			})
		}
		call := func(fn string, args ...uint64) func() {
			f := h.k.ExportedFunction(fn)
			return func() { f.Call(h.ctx, args...) }
		}
		act, dgv := h.k.ExportedFunction("q8act"), h.k.ExportedFunction("q8dotgemv")
		dgm := h.k.ExportedFunction("q8dotgemm")
		run("gemv128x784/f32", call("gemv", u(py), u(pa), u(px), u(pbias), m, n))
		run("gemv128x784/int8", call("q8gemv", u(py), u(pq), u(pscale), u(px), u(pbias), m, n))
		run("gemv128x784/int8dot", func() {
			res, _ := act.Call(h.ctx, u(pxq), u(px), n, 1)
			dgv.Call(h.ctx, u(py), u(pq), u(pscale), u(pxq), res[0], u(pbias), m, n)
		})
		run("gemm64x288x256/f32", call("gemm", u(pc), u(pa), u(pb), u(pbias), gm, gk, gn))
		run("gemm64x288x256/int8", call("q8gemm", u(pc), u(pq), u(pscale), u(pb), u(pbias), gm, gk, gn))
		run("gemm64x288x256/int8dot", func() {
			res, _ := act.Call(h.ctx, u(pbq), u(pb), gk, gn)
			dgm.Call(h.ctx, u(pc), u(pq), u(pscale), u(pbq), res[0], u(pbias), gm, gk, gn)
		})
	}
}
