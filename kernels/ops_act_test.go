package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

var allActs = []kernels.Act{
	{Op: kernels.ActNone}, {Op: kernels.ActRelu}, {Op: kernels.ActLeakyRelu, Alpha: 0.01},
	{Op: kernels.ActElu, Alpha: 1.5}, {Op: kernels.ActSigmoid}, {Op: kernels.ActHardSigmoid, Alpha: 0.2, Beta: 0.5},
	{Op: kernels.ActHardSwish}, {Op: kernels.ActTanh}, {Op: kernels.ActClip, Alpha: -1, Beta: 6},
	{Op: kernels.ActExp}, {Op: kernels.ActLog}, {Op: kernels.ActSqrt}, {Op: kernels.ActNeg},
	{Op: kernels.ActAbs}, {Op: kernels.ActReciprocal}, {Op: kernels.ActErf}, {Op: kernels.ActGelu},
	{Op: kernels.ActGeluTanh}, {Op: kernels.ActSoftplus}, {Op: kernels.ActFloor}, {Op: kernels.ActCeil},
	{Op: kernels.ActSin}, {Op: kernels.ActCos}, {Op: kernels.ActSelu, Alpha: 1.6732632, Beta: 1.050701},
	{Op: kernels.ActSign}, {Op: kernels.ActRound}, {Op: kernels.ActScale, Alpha: 2.5, Beta: -1},
}

// edgeValues: zeros of both signs, infinities, NaN, the halves Round
// must take to even, the bounds of HardSwish and Clip, and large values
// where exp overflows float32 or float64.
var edgeValues = []float32{
	0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, -3, 6, -6, 1e-8, -1e-8, 20, -20, 88, 89, -104, 100, -100, 800, -800,
	math.MaxFloat32, -math.MaxFloat32, 1e-40,
}

func TestActivateEveryOpAtEdgeAndRandomValues(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	x := append(append([]float32(nil), edgeValues...), randSlice(r, 100)...)
	for i := len(edgeValues); i < len(x); i++ {
		x[i] *= 4
	}
	for _, a := range allActs {
		dst := make([]float32, len(x))
		kernels.Activate(dst, x, a)
		for i, v := range x {
			want := refAct(a, float64(v))
			scale := math.Abs(want)
			if a.Op == kernels.ActGelu || a.Op == kernels.ActGeluTanh {
				// float32 GELU (GeluKernel): x·(1+erf) cancels for x < 0,
				// an error of a few float32 ulps of 1, times x.
				scale = max(scale, math.Abs(float64(v))/4)
			}
			if !closeTo(dst[i], want, scale, 1e-6) {
				t.Errorf("Activate op %d (%v, %v) of %v = %v, want %v", a.Op, a.Alpha, a.Beta, v, dst[i], want)
			}
		}
		// In place gives the same.
		in := append([]float32(nil), x...)
		kernels.Activate(in, in, a)
		for i := range in {
			if math.Float32bits(in[i]) != math.Float32bits(dst[i]) {
				t.Errorf("Activate op %d in place [%d] = %v, out of place %v", a.Op, i, in[i], dst[i])
				break
			}
		}
	}
}

// TestActivateExactCases pins values where a formula could be mistaken
// for another: rounding half to even, Sign of zeros, Relu of NaN and -0,
// Softplus far out, Clip and HardSwish at their joints.
func TestActivateExactCases(t *testing.T) {
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	for _, tt := range []struct {
		a    kernels.Act
		x    []float32
		want []float32
	}{
		{kernels.Act{Op: kernels.ActRound}, []float32{0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6}, []float32{0, 2, 2, negZero, -2, 2, 3}},
		{kernels.Act{Op: kernels.ActSign}, []float32{negZero, 0, -3, 7, nan}, []float32{negZero, 0, -1, 1, nan}},
		{kernels.Act{Op: kernels.ActRelu}, []float32{nan, negZero, -1, 2}, []float32{nan, negZero, 0, 2}},
		{kernels.Act{Op: kernels.ActSoftplus}, []float32{1000, -1000, 0}, []float32{1000, 0, float32(math.Ln2)}},
		{kernels.Act{Op: kernels.ActClip, Alpha: 0, Beta: 6}, []float32{-1, 0, 6, 7, nan}, []float32{0, 0, 6, 6, nan}},
		{kernels.Act{Op: kernels.ActHardSwish}, []float32{-3, 3, 0, inf, float32(math.Inf(-1))}, []float32{negZero, 3, 0, inf, nan}},
		{kernels.Act{Op: kernels.ActReciprocal}, []float32{0, negZero}, []float32{inf, float32(math.Inf(-1))}},
		{kernels.Act{Op: kernels.ActLog}, []float32{0, -1}, []float32{float32(math.Inf(-1)), nan}},
		{kernels.Act{Op: kernels.ActSigmoid}, []float32{float32(math.Inf(-1)), inf, 0}, []float32{0, 1, 0.5}},
		{kernels.Act{Op: kernels.ActAbs}, []float32{negZero, -inf}, []float32{0, inf}},
	} {
		got := make([]float32, len(tt.x))
		kernels.Activate(got, tt.x, tt.a)
		for i := range got {
			same := math.Float32bits(got[i]) == math.Float32bits(tt.want[i]) || (got[i] != got[i] && tt.want[i] != tt.want[i])
			if !same && !(got[i] == 0 && tt.want[i] == 0 && tt.a.Op == kernels.ActHardSwish) {
				t.Errorf("Activate op %d of %v = %v, want %v", tt.a.Op, tt.x[i], got[i], tt.want[i])
			}
		}
	}
}
