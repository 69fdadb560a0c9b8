package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

var binOps = []kernels.BinOp{kernels.BinAdd, kernels.BinSub, kernels.BinMul, kernels.BinDiv, kernels.BinMax, kernels.BinMin, kernels.BinPow, kernels.BinPRelu}

// binShapes covers every broadcast form: same shape, scalar b, scalar a,
// channel bias, last-axis bias, an outer product, both broadcast on the
// last axis, mixed, rank 0, and an empty axis.
var binShapes = []struct{ out, a, b []int }{
	{[]int{2, 3, 4}, []int{2, 3, 4}, []int{2, 3, 4}},
	{[]int{17}, []int{17}, []int{17}},
	{[]int{2, 3, 4}, []int{2, 3, 4}, []int{1, 1, 1}},
	{[]int{2, 3, 4}, []int{1, 1, 1}, []int{2, 3, 4}},
	{[]int{2, 3, 4, 5}, []int{2, 3, 4, 5}, []int{1, 3, 1, 1}},
	{[]int{2, 3, 4, 5}, []int{1, 3, 1, 1}, []int{2, 3, 4, 5}},
	{[]int{6, 5}, []int{6, 5}, []int{1, 5}},
	{[]int{6, 5}, []int{1, 5}, []int{6, 5}},
	{[]int{3, 4}, []int{3, 1}, []int{1, 4}},
	{[]int{3, 4}, []int{1, 4}, []int{3, 1}},
	{[]int{3, 4}, []int{3, 1}, []int{3, 1}},
	{[]int{2, 3, 4}, []int{2, 1, 4}, []int{1, 3, 1}},
	{[]int{2, 3, 4}, []int{2, 1, 1}, []int{1, 3, 4}},
	{[]int{2, 1, 4}, []int{2, 1, 4}, []int{1, 1, 4}},
	{[]int{}, []int{}, []int{}},
	{[]int{0, 3}, []int{0, 3}, []int{1, 3}},
	{[]int{2, 3}, []int{1, 1}, []int{1, 1}}, // both scalars, output larger (found by FuzzBinary)
	{[]int{2, 3}, []int{1, 1}, []int{2, 1}},
}

func TestBinaryEveryOpAndBroadcast(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, sh := range binShapes {
		for _, op := range binOps {
			a, b := randSlice(r, prod(sh.a)), randSlice(r, prod(sh.b))
			if len(a) > 3 {
				a[0], a[1], a[2] = float32(math.NaN()), float32(math.Inf(-1)), 0
			}
			if op == kernels.BinPow && len(b) > 2 {
				b[0], b[1] = 2, 0.5
			}
			dst := make([]float32, prod(sh.out))
			kernels.Binary(dst, a, b, op, sh.out, sh.a, sh.b)
			want := refBinary(a, b, op, sh.out, sh.a, sh.b)
			check(t, "Binary op "+string(rune('0'+op))+" "+shapeStr(sh.out, sh.a, sh.b), dst, want, nil, 1e-6)
		}
	}
}

func shapeStr(s ...[]int) string {
	out := ""
	for i, d := range s {
		if i > 0 {
			out += " "
		}
		out += "["
		for j, v := range d {
			if j > 0 {
				out += ","
			}
			out += string(rune('0' + v))
		}
		out += "]"
	}
	return out
}

func TestBinaryInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for _, sh := range binShapes {
		for _, op := range binOps {
			a, b := randSlice(r, prod(sh.a)), randSlice(r, prod(sh.b))
			want := refBinary(a, b, op, sh.out, sh.a, sh.b)
			if len(a) == prod(sh.out) {
				a2 := append([]float32(nil), a...)
				kernels.Binary(a2, a2, b, op, sh.out, sh.a, sh.b)
				check(t, "Binary dst=a "+shapeStr(sh.out, sh.a, sh.b), a2, want, nil, 1e-6)
			}
			if len(b) == prod(sh.out) {
				b2 := append([]float32(nil), b...)
				kernels.Binary(b2, a, b2, op, sh.out, sh.a, sh.b)
				check(t, "Binary dst=b "+shapeStr(sh.out, sh.a, sh.b), b2, want, nil, 1e-6)
			}
		}
	}
}

// TestBinaryMaxMinScalarBits checks Max and Min against a scalar (run as
// Clip, in the activation kernel in wasip1 builds) bit for bit against
// Go's max and min, on either side and in place, edge values included.
func TestBinaryMaxMinScalarBits(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	x := []float32{0, negZero, nan, inf, -inf, 1e-40, -1e-40, -3, 3, 0.5, -0.5, 1e38, -1e38, 2, 7, -7, 0.25, 1, -1}
	for _, s := range []float32{0, negZero, -0.5, 0.5, 3, inf, -inf, nan} {
		for _, op := range []kernels.BinOp{kernels.BinMax, kernels.BinMin} {
			want := make([]float32, len(x))
			for i, v := range x {
				if op == kernels.BinMax {
					want[i] = max(v, s)
				} else {
					want[i] = min(v, s)
				}
			}
			n := []int{len(x)}
			for _, c := range []struct {
				name string
				run  func() []float32
			}{
				{"vector, scalar", func() []float32 {
					d := make([]float32, len(x))
					kernels.Binary(d, x, []float32{s}, op, n, n, []int{1})
					return d
				}},
				{"scalar, vector", func() []float32 {
					d := make([]float32, len(x))
					kernels.Binary(d, []float32{s}, x, op, n, []int{1}, n)
					return d
				}},
				{"in place", func() []float32 {
					d := append([]float32(nil), x...)
					kernels.Binary(d, d, []float32{s}, op, n, n, []int{1})
					return d
				}},
				{"broadcast rows", func() []float32 {
					d := make([]float32, len(x))
					kernels.Binary(d, x, []float32{s}, op, []int{1, len(x)}, []int{1, len(x)}, []int{1, 1})
					return d
				}},
			} {
				got := c.run()
				for i := range x {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
						t.Errorf("op %d, s = %v, %s, x = %v: got %v (%#x), want %v (%#x)", op, s, c.name, x[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}
			}
		}
	}
}
