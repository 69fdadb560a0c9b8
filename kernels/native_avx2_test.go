//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"simd/archsimd"
	"testing"
)

// The AVX2 primitives must equal the pure-Go ones bit for bit (the
// pure-Go ones are the WebAssembly kernels' twins): every value is
// compared as bits, the sign of zero included. Any NaN matches any NaN, as
// in kernels/modules' tests of the WebAssembly kernels: WebAssembly leaves
// the sign and payload of a computed NaN to the engine.

// special are values whose rounding, sign or NaN rules differ between
// instruction choices (FMA, VMAXPS, flush to zero).
var special = []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32, 1e-38, -3e38, 1 + 1.0/(1<<23), 3}

// values fills n values: random of mixed magnitudes, and every few a
// special one when specials is set.
func values(r *rand.Rand, n int, specials bool) []float32 {
	v := make([]float32, n)
	for i := range v {
		switch {
		case specials && r.IntN(7) == 0:
			v[i] = special[r.IntN(len(special))]
		default:
			v[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(7)-3)))
		}
	}
	return v
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if got[i] != got[i] && want[i] != want[i] {
			continue
		}
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %g (%#08x), pure Go %g (%#08x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

func TestAVX2GemmBitExact(t *testing.T) {
	if !useAVX2 {
		t.Skip("this CPU has no AVX2")
	}
	// Shapes cover the 4×16 tiles, the 8-column and scalar tails, the
	// single-row tail, k = 0 and the convolutions of the ONNX fixtures.
	shapes := []struct{ m, k, n int }{
		{1, 1, 1}, {4, 3, 16}, {5, 7, 17}, {3, 2, 8}, {4, 0, 20}, {7, 9, 31}, {8, 5, 24}, {1, 33, 100},
		{6, 25, 784}, {16, 150, 100}, {32, 27, 1024}, {64, 288, 64}, {96, 16, 49}, {13, 11, 23},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range shapes {
		for _, specials := range []bool{false, true} {
			for _, withBias := range []bool{false, true} {
				name := fmt.Sprintf("%dx%dx%d/specials=%v/bias=%v", s.m, s.k, s.n, specials, withBias)
				t.Run(name, func(t *testing.T) {
					a, b := values(r, s.m*s.k, specials), values(r, s.k*s.n, specials)
					var bias []float32
					if withBias {
						bias = values(r, s.m, specials)
					}
					got, want := make([]float32, s.m*s.n), make([]float32, s.m*s.n)
					avx2Gemm(got, a, b, bias, s.m, s.k, s.n)
					goGemm(want, a, b, bias, s.m, s.k, s.n)
					sameBits(t, "gemm", got, want)
				})
			}
		}
	}
}

func TestAVX2ElementwiseBitExact(t *testing.T) {
	if !useAVX2 {
		t.Skip("this CPU has no AVX2")
	}
	ops := []struct {
		name      string
		avx2, ref func(dst, x, y []float32)
	}{
		{"add", avx2Add, goAdd},
		{"mul", avx2Mul, goMul},
		{"relu", func(d, x, _ []float32) { avx2ReLU(d, x) }, func(d, x, _ []float32) { goReLU(d, x) }},
		{"axpy", func(d, x, y []float32) { copy(d, y); avx2Axpy(-0.375, x, d) }, func(d, x, y []float32) { copy(d, y); goAxpy(-0.375, x, d) }},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, op := range ops {
		for _, n := range []int{0, 1, 7, 8, 9, 16, 23, 100, 1027} {
			t.Run(fmt.Sprintf("%s/%d", op.name, n), func(t *testing.T) {
				x, y := values(r, max(n, 1), true), values(r, max(n, 1), true)
				x, y = x[:n], y[:n]
				got, want := make([]float32, n), make([]float32, n)
				op.avx2(got, x, y)
				op.ref(want, x, y)
				sameBits(t, op.name, got, want)
			})
		}
	}
}

// TestAVX2ReLUZeroAndNaN pins what a VMAXPS would get wrong: −0 and NaN
// pass through unchanged, −tiny becomes +0.
func TestAVX2ReLUZeroAndNaN(t *testing.T) {
	if !useAVX2 {
		t.Skip("this CPU has no AVX2")
	}
	nan := math.Float32frombits(0x7fc01234)
	x := []float32{float32(math.Copysign(0, -1)), nan, -math.SmallestNonzeroFloat32, 2, -2, 0, float32(math.Inf(-1)), 1}
	got := make([]float32, len(x))
	avx2ReLU(got, x)
	want := []uint32{0x80000000, 0x7fc01234, 0, math.Float32bits(2), 0, 0, 0, math.Float32bits(1)}
	for i := range want {
		if math.Float32bits(got[i]) != want[i] {
			t.Errorf("relu(%g) = %#08x, want %#08x", x[i], math.Float32bits(got[i]), want[i])
		}
	}
}

// FuzzAVX2Gemm runs the AVX2 gemm against the pure-Go one on shapes and
// values from the fuzzer: 3 bytes of shape, then float32s (little-endian)
// for a, b and bias, repeated to fill.
func FuzzAVX2Gemm(f *testing.F) {
	if !useAVX2 {
		f.Skip("this CPU has no AVX2")
	}
	f.Add([]byte{4, 3, 17, 0, 0, 0x80, 0x3f, 0, 0, 0xc0, 0x7f})
	f.Add([]byte{9, 1, 33, 0, 0, 0, 0x80, 0xff, 0xff, 0x7f, 0x7f, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		m, k, n := int(data[0]%24), int(data[1]%40), int(data[2]%70)
		raw := data[3:]
		var pool []float32
		for i := 0; i+4 <= len(raw); i += 4 {
			pool = append(pool, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
		}
		if len(pool) == 0 {
			pool = []float32{1}
		}
		q := 0
		fill := func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = pool[q%len(pool)]
				q++
			}
			return v
		}
		a, b, bias := fill(m*k), fill(k*n), fill(m)
		if data[0]&0x80 != 0 {
			bias = nil
		}
		got, want := make([]float32, m*n), make([]float32, m*n)
		avx2Gemm(got, a, b, bias, m, k, n)
		goGemm(want, a, b, bias, m, k, n)
		sameBits(t, fmt.Sprintf("gemm %dx%dx%d", m, k, n), got, want)
	})
}

func BenchmarkAVX2Gemm(b *testing.B) {
	for _, s := range []struct{ m, k, n int }{{32, 27, 1024}, {64, 288, 64}, {96, 16, 3136}} {
		r := rand.New(rand.NewPCG(5, 6))
		a, x, bias := values(r, s.m*s.k, false), values(r, s.k*s.n, false), values(r, s.m, false)
		c := make([]float32, s.m*s.n)
		for _, v := range []struct {
			name string
			f    func(c, a, b, bias []float32, m, k, n int)
		}{{"avx2", avx2Gemm}, {"purego", goGemm}} {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", s.m, s.k, s.n, v.name), func(b *testing.B) {
				cpu := procCPU()
				for b.Loop() {
					v.f(c, a, x, bias, s.m, s.k, s.n)
				}
				// GFLOP/s of CPU time: the machine's load does not count.
				if d := procCPU() - cpu; d > 0 {
					b.ReportMetric(float64(2*s.m*s.k*s.n)*float64(b.N)/d.Seconds()/1e9, "cpu-GFLOP/s")
				}
			})
		}
	}
}

// TestAVX2ActBitExact: avx2Act equals goAct bit for bit on every op it
// vectorises (Tanh and Sigmoid in float64 halves, LeakyRelu, ReLU, Clip)
// and the ones it leaves to goAct, over every length up to 40 (the
// partial last block) and a long run, on random values of every
// magnitude, the specials and the points where tanhKernel and
// sigmoidKernel change branch (|x| = 0.625, 20, 104 in float64).
func TestAVX2ActBitExact(t *testing.T) {
	if !useAVX2 {
		t.Skip("this CPU has no AVX2")
	}
	r := rand.New(rand.NewPCG(9, 10))
	edges := []float32{0.625, -0.625, math.Nextafter32(0.625, 0), math.Nextafter32(0.625, 1), 10, -10, 20, -20, 20.5, 52, 104, -104, 105, -105, 88.7, -88.7, 1e-20, -1e-20}
	ops := []Act{{Op: ActTanh}, {Op: ActSigmoid}, {Op: ActLeakyRelu, Alpha: 0.1}, {Op: ActLeakyRelu, Alpha: -3}, {Op: ActRelu},
		{Op: ActClip, Alpha: -1, Beta: 6}, {Op: ActHardSwish}, {Op: ActNone}}
	for _, a := range ops {
		for _, n := range append([]int{4097}, func() []int {
			var l []int
			for i := range 41 {
				l = append(l, i)
			}
			return l
		}()...) {
			x := values(r, n, true)
			for i := range x {
				if r.IntN(5) == 0 {
					x[i] = edges[r.IntN(len(edges))]
				}
				if r.IntN(3) == 0 {
					x[i] = float32(r.NormFloat64() * 8)
				}
			}
			got, want := make([]float32, n), make([]float32, n)
			avx2Act(got, x, a)
			goAct(want, x, a)
			sameBits(t, fmt.Sprintf("act %d (alpha %g) on %d values", a.Op, a.Alpha, n), got, want)
		}
	}
}

// TestAVX2Kexp: kexp4 equals kexp bit for bit in float64, where a float32
// result would hide most slips in the last bits.
func TestAVX2Kexp(t *testing.T) {
	if !useAVX2 {
		t.Skip("this CPU has no AVX2")
	}
	r := rand.New(rand.NewPCG(11, 12))
	for range 20000 {
		var d, got [4]float64
		for i := range d {
			d[i] = (r.Float64()*2 - 1) * 104
			if r.IntN(8) == 0 {
				d[i] = []float64{0, math.Copysign(0, -1), 104, -104, 0.5 * math.Ln2, -0.5 * math.Ln2, 40}[r.IntN(7)]
			}
		}
		kexp4(archsimd.LoadFloat64x4(&d)).Store(&got)
		archsimd.ClearAVXUpperBits()
		for i := range d {
			if want := kexp(d[i]); math.Float64bits(got[i]) != math.Float64bits(want) {
				t.Fatalf("kexp(%v): %v (%#x), scalar %v (%#x)", d[i], got[i], math.Float64bits(got[i]), want, math.Float64bits(want))
			}
		}
	}
}
