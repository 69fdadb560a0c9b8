package kernels_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// These tests run natively (pure Go) and, compiled for wasip1, under
// wazero against each kernel module (see kernels/modules). The reference
// below sums in float64, so it checks both summation orders.

func rnd(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func refDot(x, y []float32) (s, abs float64) {
	for i := range x {
		p := float64(x[i]) * float64(y[i])
		s += p
		abs += math.Abs(p)
	}
	return s, abs
}

// near reports whether got is within 1e-5 of want relative to the sum of
// the absolute terms (the bound float32 rounding of any order meets).
func near(got float32, want, abs float64) bool {
	return math.Abs(float64(got)-want) <= 1e-5*(abs+1e-30)+1e-30
}

var lengths = []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 784}

func TestDot(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range lengths {
		x, y := rnd(r, n), rnd(r, n)
		want, abs := refDot(x, y)
		if got := kernels.Dot(x, y); !near(got, want, abs) {
			t.Errorf("n=%d: Dot = %v, want %v", n, got, want)
		}
	}
}

func TestAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range lengths {
		x, y := rnd(r, n), rnd(r, n)
		want := make([]float32, n)
		for i := range want {
			want[i] = y[i] + 0.75*x[i]
		}
		kernels.Axpy(0.75, x, y)
		equal(t, "Axpy", n, y, want)
	}
}

func equal(t *testing.T, fn string, n int, got, want []float32) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) {
			t.Errorf("%s n=%d: [%d] = %v, want %v", fn, n, i, got[i], want[i])
			return
		}
	}
}

func TestGemv(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, sh := range [][2]int{{0, 0}, {0, 5}, {1, 0}, {1, 1}, {3, 5}, {4, 4}, {5, 7}, {7, 9}, {8, 16}, {9, 17}, {13, 33}, {128, 784}, {10, 128}} {
		m, n := sh[0], sh[1]
		for _, bias := range []bool{false, true} {
			a, x, y := rnd(r, m*n), rnd(r, n), rnd(r, m)
			var b []float32
			if bias {
				b = rnd(r, m)
			}
			kernels.Gemv(y, a, x, b)
			for i := range m {
				want, abs := refDot(a[i*n:i*n+n], x)
				if b != nil {
					want += float64(b[i])
					abs += math.Abs(float64(b[i]))
				}
				if !near(y[i], want, abs) {
					t.Errorf("Gemv %dx%d bias=%v: y[%d] = %v, want %v", m, n, bias, i, y[i], want)
				}
			}
		}
	}
}

func TestGemm(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, sh := range [][3]int{{0, 0, 0}, {1, 0, 3}, {2, 3, 0}, {1, 1, 1}, {3, 5, 7}, {4, 4, 4}, {2, 3, 16}, {5, 25, 17}, {6, 25, 576}, {16, 150, 64}, {3, 2, 33}} {
		m, k, n := sh[0], sh[1], sh[2]
		for _, bias := range []bool{false, true} {
			a, b, c := rnd(r, m*k), rnd(r, k*n), rnd(r, m*n)
			var bs []float32
			if bias {
				bs = rnd(r, m)
			}
			kernels.Gemm(c, a, b, bs, m, k, n)
			for i := range m {
				for j := range n {
					var want, abs float64
					if bs != nil {
						want, abs = float64(bs[i]), math.Abs(float64(bs[i]))
					}
					for p := range k {
						v := float64(a[i*k+p]) * float64(b[p*n+j])
						want += v
						abs += math.Abs(v)
					}
					if got := c[i*n+j]; !near(got, want, abs) {
						t.Fatalf("Gemm m=%d k=%d n=%d bias=%v: c[%d,%d] = %v, want %v", m, k, n, bias, i, j, got, want)
					}
				}
			}
		}
	}
}

func TestElementwise(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range lengths {
		x, y := rnd(r, n), rnd(r, n)
		wantAdd, wantMul, wantReLU := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			wantAdd[i], wantMul[i] = x[i]+y[i], x[i]*y[i]
			wantReLU[i] = max(x[i], 0)
		}
		dst := make([]float32, n)
		kernels.Add(dst, x, y)
		equal(t, "Add", n, dst, wantAdd)
		kernels.Mul(dst, x, y)
		equal(t, "Mul", n, dst, wantMul)
		kernels.ReLU(dst, x)
		equal(t, "ReLU", n, dst, wantReLU)
	}
}

// TestAliasing: an output may be the very slice of an input for the
// element-wise kernels and Axpy.
func TestAliasing(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 3, 4, 9, 33} {
		x, y := rnd(r, n), rnd(r, n)
		x0, y0 := append([]float32(nil), x...), append([]float32(nil), y...)
		want := make([]float32, n)
		for i := range want {
			want[i] = x0[i] + y0[i]
		}
		kernels.Add(x, x, y)
		equal(t, "Add(x, x, y)", n, x, want)
		for i := range want {
			want[i] = y0[i] * y0[i]
		}
		kernels.Mul(y, y, y)
		equal(t, "Mul(y, y, y)", n, y, want)
		for i := range want {
			want[i] = max(x[i], 0)
		}
		kernels.ReLU(x, x)
		equal(t, "ReLU(x, x)", n, x, want)
		for i := range want {
			want[i] = y[i] + 2*y[i]
		}
		kernels.Axpy(2, y, y)
		equal(t, "Axpy(2, y, y)", n, y, want)
	}
}

func TestReLUKeepsNaNAndNegativeZero(t *testing.T) {
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	x := []float32{nan, negZero, -1, 1, nan, negZero, -2, 2, nan}
	dst := make([]float32, len(x))
	kernels.ReLU(dst, x)
	want := []float32{nan, negZero, 0, 1, nan, negZero, 0, 2, nan}
	for i := range want {
		if math.Float32bits(dst[i]) != math.Float32bits(want[i]) && !(dst[i] != dst[i] && want[i] != want[i]) {
			t.Errorf("ReLU[%d] = %v (bits %x), want %v", i, dst[i], math.Float32bits(dst[i]), want[i])
		}
	}
}

func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{1, 2, 3, 10, 17, 1000} {
		for _, scale := range []float64{1, 30, 300} {
			x := rnd(r, n)
			for i := range x {
				x[i] *= float32(scale)
			}
			m := float64(x[0])
			for _, v := range x {
				m = max(m, float64(v))
			}
			var sum float64
			for _, v := range x {
				sum += math.Exp(float64(v) - m)
			}
			want := make([]float64, n)
			for i, v := range x {
				want[i] = math.Exp(float64(v)-m) / sum
			}
			kernels.Softmax(x)
			var total float64
			for i := range x {
				total += float64(x[i])
				if math.Abs(float64(x[i])-want[i]) > 1e-5*want[i]+1e-7 {
					t.Errorf("Softmax n=%d scale=%v: [%d] = %v, want %v", n, scale, i, x[i], want[i])
				}
			}
			if math.Abs(total-1) > 1e-5 {
				t.Errorf("Softmax n=%d: sums to %v", n, total)
			}
		}
	}
	kernels.Softmax(nil) // no values: nothing to do
}

func panics(t *testing.T, name string, f func()) *kernels.ShapeError {
	t.Helper()
	var se *kernels.ShapeError
	func() {
		defer func() {
			if r := recover(); r != nil {
				err, ok := r.(error)
				if !ok || !errors.As(err, &se) {
					t.Errorf("%s: panicked with %v, want a *kernels.ShapeError", name, r)
				}
			}
		}()
		f()
	}()
	if se == nil {
		t.Errorf("%s: did not panic", name)
	}
	return se
}

// TestShapesCheckedBeforeCalling: a wrong length or a forbidden overlap
// panics with a *ShapeError, and the output is untouched, so no kernel ran.
func TestShapesCheckedBeforeCalling(t *testing.T) {
	buf := make([]float32, 64)
	for i := range buf {
		buf[i] = float32(i)
	}
	out := []float32{-1, -1, -1, -1, -1}
	for _, tt := range []struct {
		name, want string
		f          func()
	}{
		{"Dot", "kernels.Dot: lengths differ: len(x), len(y) = 3, 4", func() { kernels.Dot(buf[:3], buf[:4]) }},
		{"Axpy", "kernels.Axpy: lengths differ: len(x), len(y) = 4, 5", func() { kernels.Axpy(1, buf[:4], out) }},
		{"Axpy overlap", "kernels.Axpy: y partly overlaps x; pass the same slice or separate buffers", func() { kernels.Axpy(1, buf[0:8], buf[1:9]) }},
		{"Gemv a", "kernels.Gemv: len(a) = 24, want len(y)*len(x) = 5*5 = 25", func() { kernels.Gemv(out, buf[:24], buf[30:35], nil) }},
		{"Gemv b", "kernels.Gemv: len(b) = 4, want len(y) = 5 (or b = nil)", func() { kernels.Gemv(out, buf[:25], buf[30:35], buf[40:44]) }},
		{"Gemv y overlaps x", "kernels.Gemv: y overlaps x; use separate buffers", func() { kernels.Gemv(buf[30:32], buf[:6], buf[31:34], nil) }},
		{"Gemm b", "kernels.Gemm: len(b) = 5, want 2*3 = 6", func() { kernels.Gemm(make([]float32, 3), buf[:2], buf[10:15], nil, 1, 2, 3) }},
		{"Gemm c", "kernels.Gemm: len(c) = 5, want 2*3 = 6", func() { kernels.Gemm(out, buf[:4], buf[10:16], nil, 2, 2, 3) }},
		{"Gemm negative", "kernels.Gemm: negative size m=-1 k=2 n=3", func() { kernels.Gemm(nil, nil, nil, nil, -1, 2, 3) }},
		{"Gemm c overlaps a", "kernels.Gemm: c overlaps a; use separate buffers", func() { kernels.Gemm(buf[2:4], buf[:4], buf[10:12], nil, 2, 2, 1) }},
		{"Add", "kernels.Add: lengths differ: len(dst), len(y) = 5, 4", func() { kernels.Add(out, buf[:5], buf[:4]) }},
		{"Mul overlap", "kernels.Mul: dst partly overlaps x; pass the same slice or separate buffers", func() { kernels.Mul(buf[1:6], buf[0:5], buf[10:15]) }},
		{"ReLU", "kernels.ReLU: lengths differ: len(dst), len(x) = 5, 6", func() { kernels.ReLU(out, buf[:6]) }},
	} {
		se := panics(t, tt.name, tt.f)
		if se != nil && se.Error() != tt.want {
			t.Errorf("%s: %q\nwant %q", tt.name, se.Error(), tt.want)
		}
	}
	for i, v := range out {
		if v != -1 {
			t.Errorf("out[%d] = %v after failed calls, want -1 (untouched)", i, v)
		}
	}
	for i, v := range buf {
		if v != float32(i) {
			t.Errorf("buf[%d] = %v after failed calls, want %d (untouched)", i, v, i)
		}
	}
}

// refConv is a direct convolution in float64.
func refConv(src, wt, b []float32, inC, h, w, outC, k int) (out, abs []float64) {
	oh, ow := h-k+1, w-k+1
	out, abs = make([]float64, outC*oh*ow), make([]float64, outC*oh*ow)
	for oc := range outC {
		for oy := range oh {
			for ox := range ow {
				var s, a float64
				if b != nil {
					s, a = float64(b[oc]), math.Abs(float64(b[oc]))
				}
				for ic := range inC {
					for ky := range k {
						for kx := range k {
							v := float64(wt[((oc*inC+ic)*k+ky)*k+kx]) * float64(src[(ic*h+oy+ky)*w+ox+kx])
							s += v
							a += math.Abs(v)
						}
					}
				}
				out[(oc*oh+oy)*ow+ox], abs[(oc*oh+oy)*ow+ox] = s, a
			}
		}
	}
	return out, abs
}

func TestConv2D(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, s := range [][5]int{{1, 28, 28, 8, 5}, {8, 12, 12, 16, 5}, {1, 1, 1, 1, 1}, {3, 7, 5, 2, 3}, {2, 4, 9, 5, 4}, {0, 3, 3, 2, 2}, {2, 5, 5, 0, 5}} {
		inC, h, w, outC, k := s[0], s[1], s[2], s[3], s[4]
		for _, bias := range []bool{false, true} {
			src, wt := rnd(r, inC*h*w), rnd(r, outC*inC*k*k)
			var b []float32
			if bias {
				b = rnd(r, outC)
			}
			oh, ow := h-k+1, w-k+1
			dst, col := make([]float32, outC*oh*ow), make([]float32, inC*k*k*oh*ow)
			kernels.Conv2D(dst, col, src, wt, b, inC, h, w, outC, k)
			want, abs := refConv(src, wt, b, inC, h, w, outC, k)
			for i := range want {
				if !near(dst[i], want[i], abs[i]) {
					t.Fatalf("Conv2D %v bias=%v: [%d] = %v, want %v", s, bias, i, dst[i], want[i])
				}
			}
		}
	}
}

func TestIm2colLayout(t *testing.T) {
	// 2 channels of 3×4, k = 2: 8 rows of 2×3 pixels.
	src := make([]float32, 24)
	for i := range src {
		src[i] = float32(i)
	}
	col := make([]float32, 2*2*2*2*3)
	kernels.Im2col(col, src, 2, 3, 4, 2)
	want := []float32{
		0, 1, 2, 4, 5, 6, // ic 0, ky 0, kx 0
		1, 2, 3, 5, 6, 7, // kx 1
		4, 5, 6, 8, 9, 10, // ky 1, kx 0
		5, 6, 7, 9, 10, 11,
		12, 13, 14, 16, 17, 18, // ic 1
		13, 14, 15, 17, 18, 19,
		16, 17, 18, 20, 21, 22,
		17, 18, 19, 21, 22, 23,
	}
	equal(t, "Im2col", len(want), col, want)
	se := panics(t, "Im2col k > h", func() { kernels.Im2col(col, src, 2, 3, 4, 4) })
	if se != nil && !strings.Contains(se.Error(), "want inC >= 0 and 1 <= k <= h, w") {
		t.Error(se)
	}
	se = panics(t, "Conv2D wt", func() { kernels.Conv2D(make([]float32, 6), col, src, make([]float32, 7), nil, 2, 3, 4, 1, 2) })
	if se != nil && se.Error() != "kernels.Conv2D: len(wt) = 7, want outC*inC*k*k = 1*2*2*2 = 8" {
		t.Error(se)
	}
	se = panics(t, "Im2col overlap", func() { kernels.Im2col(src[:24], src, 2, 3, 4, 1) })
	if se != nil && se.Error() != "kernels.Im2col: col overlaps src; use separate buffers" {
		t.Error(se)
	}
}
