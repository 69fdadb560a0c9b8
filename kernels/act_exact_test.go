package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExactInKernelMatchesActivate checks exactInKernel's claim: for each
// activation it lists, the kernels' pure-Go twin (goAct, which the
// WebAssembly kernels match bit for bit) gives the bits Activate's own
// loop gives, so a wasip1 build may run it in the kernel.
func TestExactInKernelMatchesActivate(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 8)
	}
	for i, v := range []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		1e-40, -1e-40, -3, 3, 6, -6, 3.0000002, 2.9999998, -2.9999998, 1e38, -1e38, 0.625, -0.625, 0.62499994, 20, -20, 104, -104, 105, -105} {
		x[i] = v
	}
	acts := []Act{{Op: ActRelu}, {Op: ActClip, Alpha: 0, Beta: 6}, {Op: ActClip, Alpha: -1.5, Beta: 2}, {Op: ActLeakyRelu, Alpha: 0.01},
		{Op: ActHardSigmoid, Alpha: 0.2, Beta: 0.5}, {Op: ActHardSigmoid, Alpha: 1.0 / 6, Beta: 0.5}, {Op: ActHardSwish}, {Op: ActScale, Alpha: -1.5, Beta: 0.25},
		{Op: ActClip, Alpha: -0.5, Beta: float32(math.Inf(1))}, {Op: ActClip, Alpha: float32(math.Inf(-1)), Beta: 0},
		{Op: ActSigmoid}, {Op: ActTanh}}
	seen := map[ActOp]bool{}
	for _, a := range acts {
		if !exactInKernel(a.Op) {
			t.Fatalf("op %d is in the test but not in exactInKernel", a.Op)
		}
		seen[a.Op] = true
		want, got := make([]float32, len(x)), make([]float32, len(x))
		activateRange(want, x, a)
		goAct(got, x, a)
		for i := range x {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
				t.Fatalf("%+v at x = %v: kernel twin %v (%#x), Activate %v (%#x)", a, x[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
	for op := ActNone; op <= ActScale; op++ {
		if exactInKernel(op) && !seen[op] {
			t.Errorf("exactInKernel lists op %d, which this test does not check", op)
		}
	}
}

// TestSigmoidTanhKernelAccuracy checks the float64 exp behind Sigmoid and
// Tanh (kexp, which the WebAssembly kernels copy step for step) against
// math.Exp, and the two activations against math's float64 formulas
// rounded once: within one float32 ulp on a sweep of float32 values.
func TestSigmoidTanhKernelAccuracy(t *testing.T) {
	for d := -104.0; d <= 104; d += 0.0137 {
		got, want := kexp(d), math.Exp(d)
		if math.Abs(got-want) > 4e-16*want {
			t.Fatalf("kexp(%v) = %v, math.Exp %v: relative error %.3g", d, got, want, math.Abs(got-want)/want)
		}
	}
	ulps := func(a, b float32) int64 {
		d := int64(math.Float32bits(a)) - int64(math.Float32bits(b))
		return max(d, -d)
	}
	for u := uint32(0); u < 1<<32-1<<12; u += 1<<12 + 7 {
		v := math.Float32frombits(u)
		if v != v {
			continue
		}
		x := float64(v)
		for _, c := range []struct {
			name      string
			got, want float32
		}{
			{"tanh", tanhKernel(v), float32(math.Tanh(x))},
			{"sigmoid", sigmoidKernel(v), float32(1 / (1 + math.Exp(-x)))},
		} {
			if ulps(c.got, c.want) > 1 {
				t.Fatalf("%s(%v) = %v, want %v (float64 math, rounded once)", c.name, v, c.got, c.want)
			}
		}
	}
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1))} {
		if g, w := tanhKernel(v), float32(math.Tanh(float64(v))); math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
			t.Errorf("tanh(%v) = %v, want %v", v, g, w)
		}
		if g, w := sigmoidKernel(v), float32(1/(1+math.Exp(-float64(v)))); g != w && !(g != g && w != w) {
			t.Errorf("sigmoid(%v) = %v, want %v", v, g, w)
		}
	}
}
