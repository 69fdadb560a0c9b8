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
