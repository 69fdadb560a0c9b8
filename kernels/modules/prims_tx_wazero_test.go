package modules_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
)

// The transformer primitives of package kernels (prims_tx.go) under
// wazero and in Chromium, against the same calls in native pure Go: every
// variant must match bit for bit.

// txSpecial sprinkles values that tell formulas and lanes apart: zeros,
// infinities, NaN, the ends of exp's and erf's ranges, denormals.
func txSpecial(r *rand.Rand, s []float32) {
	vals := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		1e-40, -4, 4, -87.5, 88.5, -100, 100, 1e20, -1e20, math.MaxFloat32}
	for range len(s) / 12 {
		s[r.IntN(len(s))] = vals[r.IntN(len(vals))]
	}
}

// txLen draws a row length: often the lane edges (1..9), often the sizes
// of a small transformer (24, 32, 64), sometimes up to 100.
func txLen(r *rand.Rand) int {
	switch r.IntN(3) {
	case 0:
		return 1 + r.IntN(9)
	case 1:
		return []int{24, 32, 64, 128}[r.IntN(4)]
	}
	return 1 + r.IntN(100)
}

// checkTx runs each transformer primitive once on shapes drawn from r at
// byte offset off and compares it with package kernels' pure Go.
func checkTx(t testing.TB, h kernelHost, v modules.Variant, r *rand.Rand, off uint32) {
	L := &layout{next: 1024 + off}

	// layernorm: rows of cols, with or without bias, in place or not.
	rows, cols := 1+r.IntN(5), txLen(r)
	x, scale, bias := rnd(r, rows*cols), rnd(r, cols), rnd(r, cols)
	for i := range x {
		x[i] = x[i]*float32(1+r.IntN(50)) + float32(r.IntN(5)) // means and spreads away from 0 and 1
	}
	if r.IntN(6) == 0 {
		txSpecial(r, x)
	}
	if r.IntN(3) == 0 {
		bias = nil
	}
	eps := []float32{1e-5, 1e-12, 0}[r.IntN(3)]
	px, ps, pb, pd := L.at(len(x)), L.at(cols), L.at(cols), L.at(len(x))
	h.put(px, x)
	h.put(ps, scale)
	h.put(pb, bias)
	if bias == nil {
		pb = 0
	}
	want := make([]float32, len(x))
	kernels.LayerNorm(want, x, scale, bias, rows, cols, eps)
	shape := fmt.Sprintf("rows=%d cols=%d bias=%v eps=%g off=%d", rows, cols, bias != nil, eps, off)
	h.call("layernorm", uint64(pd), uint64(px), uint64(ps), uint64(pb), uint64(rows), uint64(cols), f32(eps))
	sameBits(t, v, "layernorm", shape, h.get(pd, len(x)), want)
	h.call("layernorm", uint64(px), uint64(px), uint64(ps), uint64(pb), uint64(rows), uint64(cols), f32(eps))
	sameBits(t, v, "layernorm in place", shape, h.get(px, len(x)), want)

	// softmax_rows: attention scores, sometimes masked with -Inf or a
	// large negative, sometimes special values.
	rows, n := 1+r.IntN(6), txLen(r)
	x = rnd(r, rows*n)
	for i := range x {
		x[i] *= 6
		if r.IntN(5) == 0 {
			x[i] = []float32{float32(math.Inf(-1)), -1e9, -3.4028235e38}[r.IntN(3)]
		}
	}
	if r.IntN(6) == 0 {
		txSpecial(r, x)
	}
	px, pd = L.at(len(x)), L.at(len(x))
	h.put(px, x)
	want = make([]float32, len(x))
	kernels.SoftmaxAxis(want, x, rows, n, 1, false)
	shape = fmt.Sprintf("rows=%d n=%d off=%d", rows, n, off)
	h.call("softmax_rows", uint64(pd), uint64(px), uint64(rows), uint64(n))
	sameBits(t, v, "softmax_rows", shape, h.get(pd, len(x)), want)
	h.call("softmax_rows", uint64(px), uint64(px), uint64(rows), uint64(n))
	sameBits(t, v, "softmax_rows in place", shape, h.get(px, len(x)), want)

	// gelu: both forms, over the range where they differ from x and 0.
	x = rnd(r, txLen(r))
	for i := range x {
		x[i] *= 4
	}
	txSpecial(r, x)
	px, pd = L.at(len(x)), L.at(len(x))
	for _, tanh := range []bool{false, true} {
		shape = fmt.Sprintf("n=%d tanh=%v off=%d", len(x), tanh, off)
		h.put(px, x)
		want = make([]float32, len(x))
		kernels.GeluKernel(want, x, tanh)
		h.call("gelu", uint64(pd), uint64(px), uint64(len(x)), uint64(boolBit(tanh)))
		sameBits(t, v, "gelu", shape, h.get(pd, len(x)), want)
		h.call("gelu", uint64(px), uint64(px), uint64(len(x)), uint64(boolBit(tanh)))
		sameBits(t, v, "gelu in place", shape, h.get(px, len(x)), want)
	}

	// bmm: attention's small batched products, each operand whole or
	// shared, through MatMul as generated models call it.
	batch, m, k, nn := 1+r.IntN(4), 1+r.IntN(30), 1+r.IntN(40), 1+r.IntN(40)
	shareA, shareB := r.IntN(4) == 0, r.IntN(4) == 0
	if shareB && !shareA {
		shareB = false // one Gemm of batch·m rows, not bmm
	}
	ab, bb := batch, batch
	if shareA {
		ab = 1
	}
	if shareB {
		bb = 1
	}
	a, b := rnd(r, ab*m*k), rnd(r, bb*k*nn)
	pa, pbb, pc := L.at(len(a)), L.at(len(b)), L.at(batch*m*nn)
	h.put(pa, a)
	h.put(pbb, b)
	want = make([]float32, batch*m*nn)
	kernels.MatMul(want, a, b, kernels.MatMulParams{M: m, K: k, N: nn, Batch: []int{batch}, ABatch: []int{ab}, BBatch: []int{bb}})
	sa, sb := m*k, k*nn
	if shareA {
		sa = 0
	}
	if shareB {
		sb = 0
	}
	shape = fmt.Sprintf("batch=%d m=%d k=%d n=%d sa=%d sb=%d off=%d", batch, m, k, nn, sa, sb, off)
	h.call("bmm", uint64(pc), uint64(pa), uint64(pbb), uint64(batch), uint64(m), uint64(k), uint64(nn), uint64(sa), uint64(sb))
	sameBits(t, v, "bmm", shape, h.get(pc, len(want)), want)
}

func boolBit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestTxMatchPureGo runs both kernel modules' transformer primitives
// under wazero on random shapes at aligned and unaligned addresses, bit
// for bit against pure Go.
func TestTxMatchPureGo(t *testing.T) {
	for _, v := range modules.Variants {
		t.Run(string(v), func(t *testing.T) {
			h := newHarness(t, v)
			r := rand.New(rand.NewPCG(14, uint64(len(v))))
			for i := range 300 {
				checkTx(t, h, v, r, uint32(i%16))
			}
		})
	}
}

// FuzzTx compares both kernel modules' transformer primitives with pure
// Go on shapes, offsets and data drawn from fuzzed seeds.
func FuzzTx(f *testing.F) {
	f.Add(uint64(1), uint8(0))
	f.Add(uint64(2), uint8(7))
	f.Add(uint64(3), uint8(13))
	hs := map[modules.Variant]*harness{}
	for _, v := range modules.Variants {
		hs[v] = newHarness(f, v)
	}
	f.Fuzz(func(t *testing.T, seed uint64, off uint8) {
		for _, v := range modules.Variants {
			h := *hs[v]
			h.t = t
			checkTx(t, &h, v, rand.New(rand.NewPCG(seed, 14)), uint32(off%32))
		}
	})
}
