package kernels_test

import (
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// seq is 0, 1, 2, … : each value tells where it came from.
func seq(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(i)
	}
	return s
}

func TestTranspose(t *testing.T) {
	for _, tt := range []struct{ shape, perm []int }{
		{ints(5, 7), ints(1, 0)}, {ints(33, 17), ints(1, 0)}, {ints(1, 7), ints(1, 0)},
		{ints(2, 3, 4), ints(0, 1, 2)}, {ints(2, 3, 4), ints(0, 2, 1)}, {ints(2, 3, 4), ints(1, 0, 2)},
		{ints(2, 3, 4), ints(1, 2, 0)}, {ints(2, 3, 4), ints(2, 0, 1)}, {ints(2, 3, 4), ints(2, 1, 0)},
		{ints(2, 3, 4, 5), ints(0, 2, 3, 1)}, {ints(2, 3, 4, 5), ints(0, 3, 1, 2)}, {ints(2, 1, 4, 1), ints(3, 2, 1, 0)},
		{ints(2, 3, 4, 5, 2), ints(4, 0, 3, 1, 2)}, {ints(6), ints(0)}, {ints(), ints()}, {ints(2, 0, 3), ints(2, 0, 1)},
	} {
		x := seq(prod(tt.shape))
		out := make([]int, len(tt.perm))
		for i, a := range tt.perm {
			out[i] = tt.shape[a]
		}
		want := make([]float64, len(x))
		for f := range want {
			c := coords(f, out)
			ic := make([]int, len(c))
			for i, a := range tt.perm {
				ic[a] = c[i]
			}
			want[f] = float64(x[flat(ic, tt.shape)])
		}
		dst := make([]float32, len(x))
		kernels.Transpose(dst, x, tt.shape, tt.perm)
		check(t, "Transpose "+shapeStr(tt.shape, tt.perm), dst, want, nil, 0)
	}
}

func TestConcat(t *testing.T) {
	a, b, c := seq(6), seq(4), seq(8)
	for i := range b {
		b[i] += 100
	}
	for i := range c {
		c[i] += 200
	}
	// Along axis 1 of [2,3], [2,2], [2,4].
	dst := make([]float32, 18)
	kernels.Concat(dst, [][]float32{a, b, c}, 2, ints(3, 2, 4))
	check(t, "Concat axis 1", dst, []float64{0, 1, 2, 100, 101, 200, 201, 202, 203, 3, 4, 5, 102, 103, 204, 205, 206, 207}, nil, 0)
	// Along axis 0: one block.
	dst = make([]float32, 10)
	kernels.Concat(dst, [][]float32{a, b}, 1, ints(6, 4))
	check(t, "Concat axis 0", dst, []float64{0, 1, 2, 3, 4, 5, 100, 101, 102, 103}, nil, 0)
	kernels.Concat(nil, [][]float32{nil, nil}, 3, ints(0, 0))
}

// refPad maps each output coordinate back to the input by ONNX's rule.
func refPad(x []float32, shape, begin, end []int, mode kernels.PadMode, value float32) []float64 {
	out := make([]int, len(shape))
	for i := range shape {
		out[i] = shape[i] + begin[i] + end[i]
	}
	want := make([]float64, prod(out))
	for f := range want {
		c := coords(f, out)
		ic := make([]int, len(c))
		constant := false
		for i := range c {
			j, d := c[i]-begin[i], shape[i]
			switch mode {
			case kernels.PadEdge:
				j = min(max(j, 0), d-1)
			case kernels.PadReflect:
				for j < 0 || j >= d { // bounce off the edges until inside
					if d == 1 {
						j = 0
						break
					}
					if j < 0 {
						j = -j
					}
					if j >= d {
						j = 2*(d-1) - j
					}
				}
			default:
				if j < 0 || j >= d {
					constant = true
				}
			}
			ic[i] = j
		}
		if constant {
			want[f] = float64(value)
		} else {
			want[f] = float64(x[flat(ic, shape)])
		}
	}
	return want
}

func TestPadEveryMode(t *testing.T) {
	for _, tt := range []struct{ shape, begin, end []int }{
		{ints(3, 4), ints(1, 2), ints(2, 1)},
		{ints(3, 4), ints(0, 0), ints(0, 0)},
		{ints(3, 4), ints(-1, 1), ints(1, -2)},
		{ints(2, 3, 4), ints(0, 1, 0), ints(1, 0, 3)},
		{ints(3), ints(5), ints(7)},
		{ints(1, 3), ints(2, 0), ints(1, 1)},
		{ints(4, 2), ints(0, -2), ints(0, 0)},
		{ints(2, 6), ints(1, -2), ints(0, -1)}, // a row cropped on both sides: the copied run alone
		{ints(2, 5), ints(0, -3), ints(0, 4)},
		{ints(2, 32, 10), ints(0, 0, 1), ints(0, 0, 2)}, // audio1d's Pad before AveragePool
	} {
		for _, mode := range []kernels.PadMode{kernels.PadConstant, kernels.PadReflect, kernels.PadEdge} {
			x := seq(prod(tt.shape))
			want := refPad(x, tt.shape, tt.begin, tt.end, mode, -7)
			dst := make([]float32, len(want))
			kernels.Pad(dst, x, tt.shape, tt.begin, tt.end, mode, -7)
			check(t, "Pad mode "+string(rune('0'+mode))+" "+shapeStr(tt.shape), dst, want, nil, 0)
		}
	}
	// numpy's reflect of [0 1 2] by 4 before and 5 after.
	dst := make([]float32, 12)
	kernels.Pad(dst, seq(3), ints(3), ints(4), ints(5), kernels.PadReflect, 0)
	check(t, "Pad reflect far", dst, []float64{0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1}, nil, 0)
}

func TestSliceNegativeSteps(t *testing.T) {
	for _, tt := range []struct{ shape, starts, steps, out []int }{
		{ints(5), ints(1), ints(1), ints(3)},
		{ints(5), ints(4), ints(-1), ints(5)},
		{ints(6), ints(5), ints(-2), ints(3)},
		{ints(3, 4), ints(0, 3), ints(1, -1), ints(3, 4)},
		{ints(3, 4), ints(2, 1), ints(-2, 2), ints(2, 2)},
		{ints(2, 3, 4), ints(1, 0, 1), ints(1, 1, 1), ints(1, 3, 2)},
		{ints(2, 3, 4), ints(0, 2, 0), ints(1, -1, 3), ints(2, 2, 2)},
		{ints(4), ints(9), ints(1), ints(0)},
	} {
		x := seq(prod(tt.shape))
		want := make([]float64, prod(tt.out))
		for f := range want {
			c := coords(f, tt.out)
			for i := range c {
				c[i] = tt.starts[i] + c[i]*tt.steps[i]
			}
			want[f] = float64(x[flat(c, tt.shape)])
		}
		dst := make([]float32, len(want))
		kernels.Slice(dst, x, tt.shape, tt.starts, tt.steps, tt.out)
		check(t, "Slice "+shapeStr(tt.shape, tt.out), dst, want, nil, 0)
	}
}

func TestExpand(t *testing.T) {
	for _, tt := range []struct{ out, x []int }{
		{ints(2, 3), ints(1, 3)}, {ints(2, 3), ints(2, 1)}, {ints(2, 3, 4), ints(1, 3, 1)},
		{ints(3, 4), ints(1, 1)}, {ints(2, 3), ints(2, 3)}, {ints(2, 1, 3), ints(2, 1, 1)}, {ints(0, 3), ints(1, 3)},
	} {
		x := seq(prod(tt.x))
		zero := make([]float32, 1)
		want := refBinary(x, zero, kernels.BinAdd, tt.out, tt.x, make1s(len(tt.out)))
		dst := make([]float32, len(want))
		kernels.Expand(dst, x, tt.out, tt.x)
		check(t, "Expand "+shapeStr(tt.out, tt.x), dst, want, nil, 0)
	}
}

func make1s(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func TestGatherNegativeIndices(t *testing.T) {
	data := seq(2 * 4 * 3) // outer 2, axis 4, inner 3
	idx := []int64{0, -1, 2, -4, 3}
	dst := make([]float32, 2*5*3)
	kernels.Gather(dst, data, idx, 2, 4, 3)
	var want []float64
	for o := range 2 {
		for _, i := range idx {
			if i < 0 {
				i += 4
			}
			for k := range 3 {
				want = append(want, float64((o*4+int(i))*3+k))
			}
		}
	}
	check(t, "Gather", dst, want, nil, 0)
	// Embedding lookup: outer 1, inner = the embedding width.
	r := rand.New(rand.NewPCG(81, 82))
	emb := randSlice(r, 10*4)
	ids := []int64{3, 3, 9, 0}
	out := make([]float32, 16)
	kernels.Gather(out, emb, ids, 1, 10, 4)
	for j, id := range ids {
		check(t, "Gather embedding", out[j*4:(j+1)*4], f64(emb[id*4:(id+1)*4]), nil, 0)
	}
}
