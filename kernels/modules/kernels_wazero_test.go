package modules_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
)

func rnd(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// exact: the variant keeps Go's order for these kernels, so it must match
// package kernels bit for bit. The SIMD dot and gemv sum in lanes: pure
// Go's sequential dot and gemv match the scalar variant, and the AVX2 ones
// (GOEXPERIMENT=simd on amd64) sum in the SIMD kernel's lanes, so they
// match the SIMD variants instead; the others get a tolerance.
func exact(v modules.Variant, fn string) bool {
	if fn != "dot" && fn != "gemv" {
		return true
	}
	if kernels.NativeSIMD == "avx2" {
		return v == modules.SIMD || v == modules.SIMDThreads
	}
	return v == modules.Scalar
}

// same compares a kernel's output with pure Go's: bit for bit where the
// order is the same, else within 1e-5 of the sum of absolute terms.
func same(t testing.TB, v modules.Variant, fn, shape string, got, want, abs []float32) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if g == w || (g != g && w != w) {
			continue
		}
		tol := 1e-5 * float64(abs[i])
		if fn == "softmax" {
			tol = 1e-6*float64(w) + 1e-9
		} else if exact(v, fn) {
			tol = 0
		}
		if math.Abs(float64(g-w)) > tol {
			t.Fatalf("%s %s %s: [%d] = %v, pure Go %v (tolerance %g)", v, fn, shape, i, g, w, tol)
		}
	}
}

func absRows(a, x []float32, b []float32, m, n int) []float32 {
	out := make([]float32, m)
	for i := range m {
		s := float64(0)
		if b != nil {
			s = math.Abs(float64(b[i]))
		}
		for j := range n {
			s += math.Abs(float64(a[i*n+j]) * float64(x[j]))
		}
		out[i] = float32(s)
	}
	return out
}

// layout places slices one after another from a base address that is off
// bytes past a 16-byte boundary, with gap floats between them.
type layout struct{ next uint32 }

func (l *layout) at(n int) uint32 {
	p := l.next
	l.next += uint32(4*n) + 4*3
	return p
}

// checkAll runs every kernel once on shape (m, k, n) at byte offset off
// and compares it with package kernels' pure Go.
func checkAll(t testing.TB, h *harness, v modules.Variant, r *rand.Rand, m, k, n int, off uint32) {
	shape := fmt.Sprintf("m=%d k=%d n=%d off=%d", m, k, n, off)
	L := &layout{next: 1024 + off}
	// dot, axpy, add, mul, relu on length n
	x, y := rnd(r, n), rnd(r, n)
	px, py, pd := L.at(n), L.at(n), L.at(n)
	h.put(px, x)
	h.put(py, y)
	got := math.Float32frombits(uint32(h.call("dot", uint64(px), uint64(py), uint64(n))[0]))
	_, abs := 0.0, absRows(x, y, nil, 1, n)
	same(t, v, "dot", shape, []float32{got}, []float32{kernels.Dot(x, y)}, abs)

	h.call("axpy", f32(-1.5), uint64(px), uint64(py), uint64(n))
	want := append([]float32(nil), y...)
	kernels.Axpy(-1.5, x, want)
	same(t, v, "axpy", shape, h.get(py, n), want, nil)
	y = want

	for _, fn := range []string{"add", "mul"} {
		h.call(fn, uint64(pd), uint64(px), uint64(py), uint64(n))
		want := make([]float32, n)
		if fn == "add" {
			kernels.Add(want, x, y)
		} else {
			kernels.Mul(want, x, y)
		}
		same(t, v, fn, shape, h.get(pd, n), want, nil)
	}
	h.call("relu", uint64(pd), uint64(px), uint64(n))
	want = make([]float32, n)
	kernels.ReLU(want, x)
	same(t, v, "relu", shape, h.get(pd, n), want, nil)

	// gemv: y (m) = a (m×n) · x (n) + b
	a, b := rnd(r, m*n), rnd(r, m)
	pa, pb, pyv := L.at(m*n), L.at(m), L.at(m)
	h.put(pa, a)
	h.put(pb, b)
	for _, bias := range []bool{false, true} {
		bp, bs := uint32(0), []float32(nil)
		if bias {
			bp, bs = pb, b
		}
		h.call("gemv", uint64(pyv), uint64(pa), uint64(px), uint64(bp), uint64(m), uint64(n))
		want := make([]float32, m)
		kernels.Gemv(want, a, x, bs)
		same(t, v, "gemv", shape, h.get(pyv, m), want, absRows(a, x, bs, m, n))
	}

	// gemm: c (m×n) = a2 (m×k) · b2 (k×n) + bias
	a2, b2 := rnd(r, m*k), rnd(r, k*n)
	pa2, pb2, pc := L.at(m*k), L.at(k*n), L.at(m*n)
	h.put(pa2, a2)
	h.put(pb2, b2)
	for _, bias := range []bool{false, true} {
		bp, bs := uint32(0), []float32(nil)
		if bias {
			bp, bs = pb, b
		}
		h.call("gemm", uint64(pc), uint64(pa2), uint64(pb2), uint64(bp), uint64(m), uint64(k), uint64(n))
		want := make([]float32, m*n)
		kernels.Gemm(want, a2, b2, bs, m, k, n)
		same(t, v, "gemm", shape, h.get(pc, m*n), want, nil)
	}

	// im2col on a shape drawn from (m, k, n)
	inC, kk := m%4, 1+(m+n)%5
	ih, iw := kk+k%9, kk+n%11
	oh, ow := ih-kk+1, iw-kk+1
	src := rnd(r, inC*ih*iw)
	ps, pcol := L.at(len(src)), L.at(inC*kk*kk*oh*ow)
	h.put(ps, src)
	h.call("im2col", uint64(pcol), uint64(ps), uint64(inC), uint64(ih), uint64(iw), uint64(kk))
	wantCol := make([]float32, inC*kk*kk*oh*ow)
	kernels.Im2col(wantCol, src, inC, ih, iw, kk)
	same(t, v, "im2col", shape, h.get(pcol, len(wantCol)), wantCol, nil)

	// softmax on n logits, spread wide
	if n > 0 {
		s := rnd(r, n)
		for i := range s {
			s[i] *= 20
		}
		h.put(pd, s)
		h.call("softmax", uint64(pd), uint64(n))
		kernels.Softmax(s)
		same(t, v, "softmax", shape, h.get(pd, n), s, nil)
	}
}

// TestKernelsMatchPureGo runs both kernel modules under wazero on random
// shapes (zero, odd and tail lengths) at aligned and unaligned addresses,
// against package kernels' pure Go.
func TestKernelsMatchPureGo(t *testing.T) {
	shapes := [][3]int{{0, 0, 0}, {1, 1, 1}, {1, 0, 5}, {0, 3, 2}, {3, 5, 7}, {4, 4, 4}, {4, 8, 8}, {5, 9, 17}, {8, 25, 16},
		{7, 3, 31}, {9, 1, 33}, {6, 25, 576}, {128, 1, 784}, {10, 2, 128}, {13, 7, 65},
		// gemm's pair tails: 8 and 4 columns after the blocks of 16 (the
		// wake-word model's small late layers), odd m
		{4, 9, 12}, {6, 5, 28}, {3, 6, 8}, {2, 3, 44}, {5, 11, 4}, {7, 13, 23},
		// gemm's column panels (16384/(k+1) bytes of a row, rounded down
		// to 16 columns, at least 16): several panels, a short last one,
		// the smallest panel, one wide panel
		{5, 80, 100}, {4, 300, 50}, {3, 1100, 40}, {6, 1, 1030}, {2, 2, 2100}}
	for _, v := range modules.Variants {
		t.Run(string(v), func(t *testing.T) {
			h := newHarness(t, v)
			r := rand.New(rand.NewPCG(42, uint64(len(v))))
			for _, sh := range shapes {
				for _, off := range []uint32{0, 4, 8, 12, 1, 2} {
					checkAll(t, h, v, r, sh[0], sh[1], sh[2], off)
				}
			}
			for range 40 {
				checkAll(t, h, v, r, r.IntN(40), r.IntN(40), r.IntN(70), uint32(r.IntN(16)))
			}
		})
	}
}

// FuzzKernels compares both kernel modules with pure Go on fuzzed shapes,
// offsets and seeds.
func FuzzKernels(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint8(7), uint8(0), uint64(1))
	f.Add(uint8(0), uint8(0), uint8(0), uint8(3), uint64(2))
	f.Add(uint8(17), uint8(1), uint8(33), uint8(13), uint64(3))
	f.Add(uint8(5), uint8(9), uint8(28), uint8(4), uint64(4))
	f.Add(uint8(5), uint8(79), uint8(200), uint8(4), uint64(5)) // four column panels of gemm
	hs := map[modules.Variant]*harness{}
	for _, v := range modules.Variants {
		hs[v] = newHarness(f, v)
	}
	f.Fuzz(func(t *testing.T, m, k, n, off uint8, seed uint64) {
		for _, v := range modules.Variants {
			h := *hs[v]
			h.t = t
			checkAll(t, &h, v, rand.New(rand.NewPCG(seed, 7)), int(m%80), int(k%80), int(n), uint32(off%32))
		}
	})
}
