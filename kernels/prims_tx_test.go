package kernels

import (
	"math"
	"testing"
)

// TestTxFunctionsAccuracy bounds the error of the transformer primitives'
// float32 exp, erf and GELU against float64 math over their ranges, on a
// dense grid: exp within 3e-7 relative, erf within 3e-7 absolute, GELU
// (both forms) within 4e-7·max(1, |x|) absolute.
func TestTxFunctionsAccuracy(t *testing.T) {
	var worstExp, worstErf, worstGelu, worstTanh float64
	for i := 0; i <= 200000; i++ {
		d := -87 + 175*float64(i)/200000
		x := float32(d)
		want := math.Exp(float64(x))
		worstExp = max(worstExp, math.Abs(float64(exp32(x))-want)/want)
		e := float32(-6 + 12*float64(i)/200000)
		worstErf = max(worstErf, math.Abs(float64(erf32(e))-math.Erf(float64(e))))
		f := float64(e)
		g := 0.5 * f * (1 + math.Erf(f/math.Sqrt2))
		gt := 0.5 * f * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(f+0.044715*f*f*f)))
		worstGelu = max(worstGelu, math.Abs(float64(gelu32(e, false))-g)/max(1, math.Abs(f)))
		worstTanh = max(worstTanh, math.Abs(float64(gelu32(e, true))-gt)/max(1, math.Abs(f)))
	}
	t.Logf("worst: exp %.3g relative, erf %.3g, gelu %.3g, gelu tanh %.3g", worstExp, worstErf, worstGelu, worstTanh)
	for _, c := range []struct {
		name         string
		worst, bound float64
	}{{"exp32", worstExp, 3e-7}, {"erf32", worstErf, 5e-7}, {"gelu32", worstGelu, 4e-7}, {"gelu32 tanh", worstTanh, 4e-7}} {
		if !(c.worst <= c.bound) {
			t.Errorf("%s: worst error %.3g, want at most %.3g", c.name, c.worst, c.bound)
		}
	}
	// The ends: exp underflows to a tiny normal at -87 and below, and is
	// +Inf above 88; NaN stays NaN.
	inf := float32(math.Inf(1))
	for _, c := range []struct{ d, want float32 }{{-1000, exp32(-87)}, {89, inf}, {inf, inf}, {float32(math.Inf(-1)), exp32(-87)}, {0, 1}} {
		if got := exp32(c.d); got != c.want {
			t.Errorf("exp32(%v) = %v, want %v", c.d, got, c.want)
		}
	}
	if v := exp32(float32(math.NaN())); v == v {
		t.Errorf("exp32(NaN) = %v, want NaN", v)
	}
}

// TestSoftmaxRowsAndLayerNorm: rows sum to 1 and masked (-Inf) positions
// get 0; a layer-norm row has mean 0 and variance 1 before scale and bias.
func TestSoftmaxRowsAndLayerNorm(t *testing.T) {
	x := []float32{1, 2, 3, float32(math.Inf(-1)), 0.5, -1e9, 7}
	y := make([]float32, len(x))
	SoftmaxAxis(y, x, 1, len(x), 1, false)
	var s float64
	for i, v := range y {
		s += float64(v)
		if x[i] < -1e8 && v > 1e-30 {
			t.Errorf("softmax of masked %v = %v, want about 0", x[i], v)
		}
	}
	if math.Abs(s-1) > 1e-6 {
		t.Errorf("softmax row sums to %v", s)
	}
	row := []float32{3, 1, 4, 1, 5, 9, 2, 6, 5}
	ones := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
	out := make([]float32, len(row))
	LayerNorm(out, row, ones, nil, 1, len(row), 0)
	var m, q float64
	for _, v := range out {
		m += float64(v)
		q += float64(v) * float64(v)
	}
	m /= float64(len(out))
	if math.Abs(m) > 1e-6 || math.Abs(q/float64(len(out))-1) > 1e-5 {
		t.Errorf("layer norm of %v: mean %v, variance %v; want 0 and 1", row, m, q/float64(len(out)))
	}
}
