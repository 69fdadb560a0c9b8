package kernels

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// With every scale 1 and integer weights, the int8 and fp16 paths do the
// float32 path's arithmetic exactly (each sum starts at 0 and adds the
// same products in the same order), so the ops must agree bit for bit
// with Conv and GemmEx on the converted weights.
func TestQuantOpsMatchFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	convs := []ConvParams{
		{N: 2, InC: 3, OutC: 4, Group: 1, In: []int{7, 6}, Out: []int{7, 6}, Kernel: []int{3, 3}, Stride: []int{1, 1}, Dilation: []int{1, 1}, Pad: []int{1, 1}},
		{N: 1, InC: 4, OutC: 6, Group: 2, In: []int{9}, Out: []int{4}, Kernel: []int{3}, Stride: []int{2}, Dilation: []int{1}, Pad: []int{0}, Act: Act{Op: ActRelu}},
		{N: 1, InC: 8, OutC: 5, Group: 1, In: []int{4, 4}, Out: []int{4, 4}, Kernel: []int{1, 1}, Stride: []int{1, 1}, Dilation: []int{1, 1}, Pad: []int{0, 0}},
	}
	for i, p := range convs {
		nw := p.OutC * p.InC / p.Group * prodInts(p.Kernel)
		q := make([]int8, nw)
		h := make([]uint16, nw)
		wf := make([]float32, nw)
		for j := range q {
			q[j] = int8(r.IntN(255) - 127)
			wf[j] = float32(q[j])
			h[j] = f32ToF16Test(wf[j])
		}
		ones := make([]float32, p.OutC)
		for j := range ones {
			ones[j] = 1
		}
		src := randSlice(r, p.N*p.InC*prodInts(p.In))
		scratch := make([]float32, ConvScratch(p))
		want := make([]float32, p.N*p.OutC*prodInts(p.Out))
		Conv(want, src, wf, nil, scratch, p)
		got := make([]float32, len(want))
		ConvQ8(got, src, q, ones, nil, scratch, p)
		sameF32(t, "ConvQ8", i, got, want)
		ConvF16(got, src, h, nil, scratch, p)
		sameF32(t, "ConvF16", i, got, want)
	}
	// Gemm with C as a bias per column, as torch's Linear: y = A·Bᵀ + c.
	m, k, n := 3, 37, 11
	q := make([]int8, n*k)
	h := make([]uint16, n*k)
	wf := make([]float32, n*k)
	for j := range q {
		q[j] = int8(r.IntN(255) - 127)
		wf[j] = float32(q[j])
		h[j] = f32ToF16Test(wf[j])
	}
	ones := make([]float32, n)
	for j := range ones {
		ones[j] = 1
	}
	a, c := randSlice(r, m*k), randSlice(r, n)
	p := GemmParams{M: m, N: n, K: k, TransB: true, Alpha: 1, Beta: 1, CRows: 1, CCols: n, Act: Act{Op: ActRelu}}
	want := make([]float32, m*n)
	GemmEx(want, a, wf, c, p)
	got := make([]float32, m*n)
	// The SIMD gemv kernels sum in lanes, each in its own way: close there,
	// and natively with AVX2, whose float gemv sums in the SIMD kernel's
	// lanes where the quantized ones are pure Go.
	cmp := sameF32
	if Accelerated || NativeSIMD != "" {
		cmp = closeF32
	}
	GemmExQ8(got, a, q, ones, c, p)
	cmp(t, "GemmExQ8", 0, got, want)
	GemmExF16(got, a, h, c, p)
	cmp(t, "GemmExF16", 0, got, want)
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func sameF32(t *testing.T, fn string, i int, got, want []float32) {
	t.Helper()
	for j := range want {
		if got[j] != want[j] {
			t.Fatalf("%s case %d: [%d] = %v, float32 path %v", fn, i, j, got[j], want[j])
		}
	}
}

func closeF32(t *testing.T, fn string, i int, got, want []float32) {
	t.Helper()
	for j := range want {
		if d := float64(got[j] - want[j]); d > 1e-5*(1+abs64(want[j])) || -d > 1e-5*(1+abs64(want[j])) {
			t.Fatalf("%s case %d: [%d] = %v, float32 path %v", fn, i, j, got[j], want[j])
		}
	}
}

func abs64(v float32) float64 {
	if v < 0 {
		return float64(-v)
	}
	return float64(v)
}

// f32ToF16Test converts small integers to fp16 bits (exact for |v| < 2048).
func f32ToF16Test(v float32) uint16 {
	if v == 0 {
		return 0
	}
	var s uint16
	if v < 0 {
		s, v = 0x8000, -v
	}
	e := 0
	for v >= 2 {
		v /= 2
		e++
	}
	return s | uint16(e+15)<<10 | uint16((v-1)*1024)
}

func TestQuantShapeErrors(t *testing.T) {
	y, x := make([]float32, 2), make([]float32, 3)
	cases := []struct {
		name string
		call func()
		want string
	}{
		{"gemv a", func() { GemvQ8(y, make([]int8, 5), make([]float32, 2), x, nil) }, "kernels.GemvQ8: len(a) = 5, want len(y)*len(x) = 2*3 = 6"},
		{"gemv scale", func() { GemvQ8(y, make([]int8, 6), make([]float32, 1), x, nil) }, "kernels.GemvQ8: len(scale) = 1, want len(y) = 2"},
		{"gemm trans", func() {
			GemmExQ8(make([]float32, 2), make([]float32, 3), make([]int8, 6), make([]float32, 2), nil, GemmParams{M: 1, N: 2, K: 3, Alpha: 1})
		}, "kernels.GemmExQ8: TransA = false, TransB = false; want TransA false and TransB true (weights stored N×K)"},
		{"depthwise kernel too large", func() {
			p := ConvParams{N: 1, InC: 2, OutC: 2, Group: 2, In: []int{300}, Out: []int{44}, Kernel: []int{257}, Stride: []int{1}, Dilation: []int{1}, Pad: []int{0}}
			ConvQ8(make([]float32, 88), make([]float32, 600), make([]int8, 514), make([]float32, 2), nil, nil, p)
		}, "kernels.ConvQ8: a depthwise convolution of 257 weights per input channel (OutC/InC*Kernel = 1*257); quantized depthwise weights are read 256 per channel at most: use Conv with float32 weights"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				var se *ShapeError
				if e, ok := r.(error); !ok || !errors.As(e, &se) || se.Error() != c.want {
					t.Fatalf("panic %v, want %q", r, c.want)
				}
			}()
			c.call()
		})
	}
}

func prodInts(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}
