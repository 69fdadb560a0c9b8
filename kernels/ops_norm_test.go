package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

func TestChannelAffine(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	n, c, s := 2, 3, 5
	x, scale, bias := randSlice(r, n*c*s), randSlice(r, c), randSlice(r, c)
	want := make([]float64, len(x))
	for i := range want {
		ch := (i / s) % c
		want[i] = float64(x[i])*float64(scale[ch]) + float64(bias[ch])
	}
	dst := make([]float32, len(x))
	kernels.ChannelAffine(dst, x, scale, bias, n, c, s)
	check(t, "ChannelAffine", dst, want, f64abs(x, 1), 1e-6)
	kernels.ChannelAffine(x, x, scale, bias, n, c, s)
	check(t, "ChannelAffine in place", x, want, f64abs(x, 1), 1e-6)
}

// f64abs is |x|+k per element, a tolerance scale.
func f64abs(x []float32, k float64) []float64 {
	o := make([]float64, len(x))
	for i, v := range x {
		o[i] = math.Abs(float64(v)) + k
	}
	return o
}

func TestSoftmaxAxis(t *testing.T) {
	r := rand.New(rand.NewPCG(73, 74))
	for _, sh := range [][3]int{{1, 5, 1}, {3, 4, 1}, {2, 3, 4}, {1, 1, 6}, {2, 7, 3}} {
		outer, axis, inner := sh[0], sh[1], sh[2]
		x := randSlice(r, outer*axis*inner)
		for i := range x {
			x[i] *= 20
		}
		for _, log := range []bool{false, true} {
			want := make([]float64, len(x))
			for o := range outer {
				for in := range inner {
					at := func(i int) int { return (o*axis+i)*inner + in }
					var sum float64
					for i := range axis {
						sum += math.Exp(float64(x[at(i)]))
					}
					for i := range axis {
						if log {
							want[at(i)] = float64(x[at(i)]) - math.Log(sum)
						} else {
							want[at(i)] = math.Exp(float64(x[at(i)])) / sum
						}
					}
				}
			}
			dst := make([]float32, len(x))
			kernels.SoftmaxAxis(dst, x, outer, axis, inner, log)
			check(t, "SoftmaxAxis", dst, want, f64abs(x, 1), 1e-6)
			in := append([]float32(nil), x...)
			kernels.SoftmaxAxis(in, in, outer, axis, inner, log)
			check(t, "SoftmaxAxis in place", in, want, f64abs(x, 1), 1e-6)
		}
	}
	// Large logits: stable (no Inf/NaN).
	x := []float32{1000, 1001, 999, -1000}
	kernels.SoftmaxAxis(x, x, 1, 4, 1, false)
	check(t, "SoftmaxAxis large", x, []float64{0.2447284710547976, 0.6652409557748219, 0.09003057317038046, 0}, nil, 1e-6)
}

func TestLayerNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(75, 76))
	for _, rc := range [][2]int{{1, 1}, {3, 8}, {4, 17}, {0, 5}} {
		rows, cols := rc[0], rc[1]
		x, scale, bias := randSlice(r, rows*cols), randSlice(r, cols), randSlice(r, cols)
		for i := range x {
			x[i] = x[i]*3 + 100 // a large mean: a naive one-pass variance loses digits
		}
		for _, withBias := range []bool{false, true} {
			want := make([]float64, len(x))
			for row := range rows {
				v := f64(x[row*cols : (row+1)*cols])
				var mean, vr float64
				for _, e := range v {
					mean += e / float64(cols)
				}
				for _, e := range v {
					vr += (e - mean) * (e - mean) / float64(cols)
				}
				for j, e := range v {
					want[row*cols+j] = (e - mean) / math.Sqrt(vr+1e-5) * float64(scale[j])
					if withBias {
						want[row*cols+j] += float64(bias[j])
					}
				}
			}
			tol := make([]float64, len(x))
			for i := range tol {
				tol[i] = 4 * (math.Abs(float64(scale[i%cols])) + 1)
			}
			b := bias
			if !withBias {
				b = nil
			}
			dst := make([]float32, len(x))
			kernels.LayerNorm(dst, x, scale, b, rows, cols, 1e-5)
			check(t, "LayerNorm", dst, want, tol, 1e-6)
			in := append([]float32(nil), x...)
			kernels.LayerNorm(in, in, scale, b, rows, cols, 1e-5)
			check(t, "LayerNorm in place", in, want, tol, 1e-6)
		}
	}
}

// refReduce gathers the values of each output by zeroing the reduced
// coordinates, then applies op to the list.
func refReduce(x []float32, op kernels.ReduceOp, shape, axes []int) []float64 {
	red := make([]bool, len(shape))
	for _, a := range axes {
		red[a] = true
	}
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	var keptShape []int
	for i, d := range shape {
		if !red[i] {
			keptShape = append(keptShape, d)
		}
	}
	vals := make([][]float64, prod(keptShape))
	for f := range x {
		c := coords(f, shape)
		var kc []int
		for i := range c {
			if !red[i] {
				kc = append(kc, c[i])
			}
		}
		o := flat(kc, keptShape)
		vals[o] = append(vals[o], float64(x[f]))
	}
	out := make([]float64, len(vals))
	for o, v := range vals {
		var s, sa, sq, p, m, mn float64 = 0, 0, 0, 1, math.Inf(-1), math.Inf(1)
		nan := false
		for _, e := range v {
			s += e
			sa += math.Abs(e)
			sq += e * e
			p *= e
			m, mn = math.Max(m, e), math.Min(mn, e)
			nan = nan || math.IsNaN(e)
		}
		switch op {
		case kernels.ReduceSum:
			out[o] = s
		case kernels.ReduceMean:
			out[o] = s / float64(len(v))
		case kernels.ReduceMax:
			out[o] = m
		case kernels.ReduceMin:
			out[o] = mn
		case kernels.ReduceProd:
			out[o] = p
		case kernels.ReduceL1:
			out[o] = sa
		case kernels.ReduceL2:
			out[o] = math.Sqrt(sq)
		case kernels.ReduceSumSquare:
			out[o] = sq
		case kernels.ReduceLogSum:
			out[o] = math.Log(s)
		case kernels.ReduceLogSumExp:
			var e float64
			for _, x := range v {
				e += math.Exp(x)
			}
			out[o] = math.Log(e)
		}
		if nan && (op == kernels.ReduceMax || op == kernels.ReduceMin) {
			out[o] = math.NaN()
		}
	}
	return out
}

func TestReduceEveryOpAndAxes(t *testing.T) {
	r := rand.New(rand.NewPCG(77, 78))
	ops := []kernels.ReduceOp{kernels.ReduceSum, kernels.ReduceMean, kernels.ReduceMax, kernels.ReduceMin, kernels.ReduceProd,
		kernels.ReduceL1, kernels.ReduceL2, kernels.ReduceSumSquare, kernels.ReduceLogSum, kernels.ReduceLogSumExp}
	for _, tt := range []struct{ shape, axes []int }{
		{ints(2, 3, 4), nil}, {ints(2, 3, 4), ints(0)}, {ints(2, 3, 4), ints(1)}, {ints(2, 3, 4), ints(2)},
		{ints(2, 3, 4), ints(0, 2)}, {ints(2, 3, 4), ints(1, 2)}, {ints(2, 3, 4), ints(0, 1)}, {ints(2, 3, 4), ints(0, 1, 2)},
		{ints(2, 1, 3, 1, 2), ints(1, 2)}, {ints(3, 1), ints(1)}, {ints(5), ints(0)}, {ints(2, 3, 2, 2), ints(1, 3)},
		{ints(), nil},
	} {
		x := randSlice(r, prod(tt.shape))
		for _, op := range ops {
			in := x
			if op == kernels.ReduceLogSum || op == kernels.ReduceProd {
				in = make([]float32, len(x))
				for i, v := range x {
					in[i] = float32(math.Abs(float64(v))) + 0.5
				}
			}
			want := refReduce(in, op, tt.shape, tt.axes)
			dst := make([]float32, len(want))
			kernels.Reduce(dst, in, op, tt.shape, tt.axes)
			check(t, "Reduce op "+shapeStr([]int{int(op)}, tt.shape, tt.axes), dst, want, nil, 1e-6)
		}
	}
}

func TestReduceEmptyAndNaN(t *testing.T) {
	inf := math.Inf(1)
	for op, want := range map[kernels.ReduceOp]float64{
		kernels.ReduceSum: 0, kernels.ReduceMean: math.NaN(), kernels.ReduceMax: -inf, kernels.ReduceMin: inf,
		kernels.ReduceProd: 1, kernels.ReduceL1: 0, kernels.ReduceL2: 0, kernels.ReduceSumSquare: 0,
		kernels.ReduceLogSum: -inf, kernels.ReduceLogSumExp: -inf,
	} {
		dst := []float32{7, 7}
		kernels.Reduce(dst, nil, op, ints(2, 0), ints(1))
		check(t, "Reduce of nothing op "+string(rune('0'+op)), dst, []float64{want, want}, nil, 0)
	}
	nan := float32(math.NaN())
	for _, op := range []kernels.ReduceOp{kernels.ReduceMax, kernels.ReduceMin, kernels.ReduceLogSumExp} {
		dst := make([]float32, 1)
		kernels.Reduce(dst, []float32{1, nan, 3}, op, ints(3), nil)
		if dst[0] == dst[0] {
			t.Errorf("Reduce op %d with a NaN = %v, want NaN", op, dst[0])
		}
	}
	dst := make([]float32, 1)
	kernels.Reduce(dst, []float32{float32(math.Inf(1)), 1}, kernels.ReduceLogSumExp, ints(2), nil)
	if !math.IsInf(float64(dst[0]), 1) {
		t.Errorf("LogSumExp with +Inf = %v, want +Inf", dst[0])
	}
	kernels.Reduce(dst, []float32{100, 100}, kernels.ReduceLogSumExp, ints(2), nil)
	check(t, "LogSumExp large", dst, []float64{100 + math.Ln2}, nil, 1e-7)
}
