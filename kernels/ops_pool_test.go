package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// pool builds PoolParams; ceil picks ONNX's ceil_mode length.
func pool(n, c int, in, k, s, d, pad, padEnd []int, ceil, incl bool) kernels.PoolParams {
	out := make([]int, len(in))
	for i := range in {
		num := in[i] + pad[i] + padEnd[i] - d[i]*(k[i]-1) - 1
		out[i] = num/s[i] + 1
		if ceil {
			out[i] = (num+s[i]-1)/s[i] + 1
		}
	}
	return kernels.PoolParams{N: n, C: c, In: in, Out: out, Kernel: k, Stride: s, Dilation: d, Pad: pad, PadEnd: padEnd, CountIncludePad: incl}
}

func ints(v ...int) []int { return v }

var poolCases = []struct {
	name string
	p    kernels.PoolParams
}{
	{"2x2 stride 2", pool(2, 3, ints(6, 6), ints(2, 2), ints(2, 2), ints(1, 1), ints(0, 0), ints(0, 0), false, false)},
	{"3x3 stride 2 pad 1", pool(1, 2, ints(7, 7), ints(3, 3), ints(2, 2), ints(1, 1), ints(1, 1), ints(1, 1), false, false)},
	{"3x3 stride 2 pad 1 include pad", pool(1, 2, ints(7, 7), ints(3, 3), ints(2, 2), ints(1, 1), ints(1, 1), ints(1, 1), false, true)},
	{"ceil mode", pool(1, 2, ints(6, 7), ints(3, 3), ints(2, 2), ints(1, 1), ints(0, 0), ints(0, 0), true, false)},
	{"ceil mode include pad: past PadEnd never counts", pool(1, 1, ints(6, 6), ints(3, 3), ints(2, 2), ints(1, 1), ints(1, 1), ints(1, 0), true, true)},
	{"asymmetric pads include pad", pool(1, 2, ints(5, 6), ints(3, 2), ints(1, 2), ints(1, 1), ints(1, 0), ints(0, 2), false, true)},
	{"asymmetric pads exclude pad", pool(1, 2, ints(5, 6), ints(3, 2), ints(1, 2), ints(1, 1), ints(1, 0), ints(0, 2), false, false)},
	{"dilation 2", pool(1, 2, ints(9, 8), ints(3, 2), ints(1, 2), ints(2, 3), ints(1, 0), ints(1, 0), false, false)},
	{"dilation 2 ceil include pad", pool(1, 1, ints(9, 8), ints(3, 2), ints(2, 2), ints(2, 2), ints(1, 1), ints(0, 1), true, true)},
	{"1-D", pool(2, 3, ints(11), ints(3), ints(2), ints(1), ints(1), ints(1), false, false)},
	{"1-D ceil include pad", pool(1, 2, ints(10), ints(4), ints(3), ints(1), ints(2), ints(0), true, true)},
	{"window all padding", pool(1, 1, ints(2, 2), ints(2, 2), ints(1, 1), ints(1, 1), ints(3, 0), ints(0, 0), false, false)},
	{"window all padding include pad", pool(1, 1, ints(2, 2), ints(2, 2), ints(1, 1), ints(1, 1), ints(3, 0), ints(0, 0), false, true)},
	{"global-sized kernel", pool(1, 3, ints(4, 5), ints(4, 5), ints(1, 1), ints(1, 1), ints(0, 0), ints(0, 0), false, false)},
	{"no images", pool(0, 3, ints(4, 4), ints(2, 2), ints(2, 2), ints(1, 1), ints(0, 0), ints(0, 0), false, false)},
}

func TestPoolsMatchDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, tt := range poolCases {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			src := randSlice(r, p.N*p.C*prod(p.In))
			dst := make([]float32, p.N*p.C*prod(p.Out))
			kernels.MaxPool(dst, src, p)
			check(t, "MaxPool", dst, refPool(src, p, true), nil, 0)
			kernels.AveragePool(dst, src, p)
			check(t, "AveragePool", dst, refPool(src, p, false), nil, 1e-6)
		})
	}
}

// TestPoolCeilModeLastWindow: In 6, Kernel 3, Stride 2 gives Out 2
// (floor) or 3 (ceil_mode), whose last window holds only the last two
// inputs; with count_include_pad the position past the end still does
// not count.
func TestPoolCeilModeLastWindow(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6}
	for _, tt := range []struct {
		ceil, incl bool
		max, avg   []float32
	}{{false, false, []float32{3, 5}, []float32{2, 4}}, {true, false, []float32{3, 5, 6}, []float32{2, 4, 5.5}}, {true, true, []float32{3, 5, 6}, []float32{2, 4, 5.5}}} {
		p := pool(1, 1, ints(6), ints(3), ints(2), ints(1), ints(0), ints(0), tt.ceil, tt.incl)
		dst := make([]float32, p.Out[0])
		kernels.MaxPool(dst, src, p)
		check(t, "MaxPool ceil", dst, f64(tt.max), nil, 0)
		kernels.AveragePool(dst, src, p)
		check(t, "AveragePool ceil", dst, f64(tt.avg), nil, 0)
	}
	// count_include_pad with 1 of padding at each end: [0 1 2] [2 3 4] [4 5 0] / 3.
	p := pool(1, 1, ints(5), ints(3), ints(2), ints(1), ints(1), ints(1), false, true)
	dst := make([]float32, p.Out[0])
	kernels.AveragePool(dst, src[:5], p)
	check(t, "AveragePool include pad", dst, []float64{1, 3, 3}, nil, 1e-7)
}

func TestMaxPoolNaNWins(t *testing.T) {
	nan := float32(math.NaN())
	src := []float32{1, nan, 3, 4, 5, 6, 7, nan}
	p := pool(1, 1, ints(8), ints(2), ints(2), ints(1), ints(0), ints(0), false, false)
	dst := make([]float32, 4)
	kernels.MaxPool(dst, src, p)
	check(t, "MaxPool NaN", dst, []float64{math.NaN(), 4, 6, math.NaN()}, nil, 0)
	g := make([]float32, 2)
	kernels.GlobalPool(g, src, 1, 2, 4, true)
	check(t, "GlobalPool max NaN", g, []float64{math.NaN(), math.NaN()}, nil, 0)
}

func TestGlobalPool(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 54))
	for _, sh := range [][3]int{{1, 1, 1}, {2, 3, 49}, {1, 5, 7}, {0, 3, 4}} {
		n, c, s := sh[0], sh[1], sh[2]
		src := randSlice(r, n*c*s)
		avg, mx := make([]float64, n*c), make([]float64, n*c)
		for i := range n * c {
			mx[i] = math.Inf(-1)
			for _, v := range src[i*s : (i+1)*s] {
				avg[i] += float64(v) / float64(s)
				mx[i] = math.Max(mx[i], float64(v))
			}
		}
		dst := make([]float32, n*c)
		kernels.GlobalPool(dst, src, n, c, s, false)
		check(t, "GlobalPool avg", dst, avg, nil, 1e-6)
		kernels.GlobalPool(dst, src, n, c, s, true)
		check(t, "GlobalPool max", dst, mx, nil, 0)
	}
}
