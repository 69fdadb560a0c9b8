package modules_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
)

// The quantized-weight kernels (kernels/quant.go) under wazero against
// pure Go of the same arithmetic, bit for bit: GemmQ8 and GemmF16 against
// the package's Go (every variant sums in Go's order); GemvQ8 and GemvF16
// against the package's Go for the scalar module and against
// q8GemvLanes/f16GemvLanes, the SIMD module's order written in Go, for
// the SIMD one.

// q8GemvLanes is the SIMD q8gemv in Go: 16 lanes over 16-value steps,
// combined (A0+A1)+(A2+A3) per lane of 4, then 4-value steps, then
// (l0+l2)+(l1+l3), then the rest in order.
func q8GemvLanes(y []float32, a []int8, scale, x, b []float32) {
	n := len(x)
	for i := range y {
		row := a[i*n : i*n+n]
		var L [4][4]float32
		j := 0
		for ; j+16 <= n; j += 16 {
			for c := range 4 {
				for l := range 4 {
					L[c][l] += float32(float32(row[j+4*c+l]) * x[j+4*c+l])
				}
			}
		}
		var A [4]float32
		for l := range 4 {
			A[l] = (L[0][l] + L[1][l]) + (L[2][l] + L[3][l])
		}
		for ; j+4 <= n; j += 4 {
			for l := range 4 {
				A[l] += float32(float32(row[j+l]) * x[j+l])
			}
		}
		s := (A[0] + A[2]) + (A[1] + A[3])
		for ; j < n; j++ {
			s += float32(float32(row[j]) * x[j])
		}
		v := float32(s * scale[i])
		if b != nil {
			v += b[i]
		}
		y[i] = v
	}
}

// f16GemvLanes is the SIMD f16gemv in Go: 8 lanes over 8-value steps,
// added pairwise, then one 4-value step, then (l0+l2)+(l1+l3), then the
// rest in order; the bias (or 0) plus the sum.
func f16GemvLanes(y []float32, a []uint16, x, b []float32) {
	n := len(x)
	for i := range y {
		row := a[i*n : i*n+n]
		var L [2][4]float32
		j := 0
		for ; j+8 <= n; j += 8 {
			for c := range 2 {
				for l := range 4 {
					L[c][l] += float32(kernels.F16ToF32(row[j+4*c+l]) * x[j+4*c+l])
				}
			}
		}
		var A [4]float32
		for l := range 4 {
			A[l] = L[0][l] + L[1][l]
		}
		if j+4 <= n {
			for l := range 4 {
				A[l] += float32(kernels.F16ToF32(row[j+l]) * x[j+l])
			}
			j += 4
		}
		s := (A[0] + A[2]) + (A[1] + A[3])
		for ; j < n; j++ {
			s += float32(kernels.F16ToF32(row[j]) * x[j])
		}
		v := float32(0)
		if b != nil {
			v = b[i]
		}
		y[i] = v + s
	}
}

func (h *harness) putBytes(p uint32, b []byte) {
	if !h.mem.Write(p, b) {
		h.t.Fatalf("write %d bytes at %d: outside memory", len(b), p)
	}
}

func i8bytes(s []int8) []byte {
	b := make([]byte, len(s))
	for i, v := range s {
		b[i] = byte(v)
	}
	return b
}

func u16bytes(s []uint16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b
}

// randF16 draws finite fp16 values, subnormals and signed zeros included.
func randF16(r *rand.Rand, n int) []uint16 {
	s := make([]uint16, n)
	for i := range s {
		h := uint16(r.Uint32())
		if h&0x7c00 == 0x7c00 {
			h &^= 0x4000 // no Inf or NaN: the importer stores finite values only
		}
		s[i] = h
	}
	return s
}

func randI8(r *rand.Rand, n int) []int8 {
	s := make([]int8, n)
	for i := range s {
		s[i] = int8(r.IntN(256) - 128)
	}
	return s
}

func randF32(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// checkQuant runs the four kernels on m×k·(k or k×n) data at byte offset
// off (unaligned when off%4 != 0 for the weights) and compares bits.
func checkQuant(t *testing.T, h *harness, v modules.Variant, r *rand.Rand, m, k, n int, off uint32, withBias bool) {
	t.Helper()
	a8 := randI8(r, m*k)
	a16 := randF16(r, m*k)
	scale := make([]float32, m)
	for i := range scale {
		scale[i] = float32(r.Float64()) / 127
	}
	x := randF32(r, k)
	bm := randF32(r, k*n)
	var bias []float32
	if withBias {
		bias = randF32(r, m)
	}
	special(r, x)
	special(r, bm)
	// Layout: weights first at an odd byte offset, then the floats 4-byte
	// aligned (Go's slices are).
	pa8 := 64 + off
	pa16 := (pa8 + uint32(m*k) + 1) &^ 1
	pf := (pa16 + uint32(2*m*k) + 63) &^ 63
	pscale := pf
	px := pscale + uint32(4*m)
	pb := px + uint32(4*k)
	pbias := pb + uint32(4*k*n)
	py := pbias + uint32(4*m)
	pc := py + uint32(4*m)
	if end := pc + uint32(4*m*n); end > 2<<20 {
		t.Skip("too big for the harness memory")
	}
	h.putBytes(pa8, i8bytes(a8))
	h.putBytes(pa16, u16bytes(a16))
	h.put(pscale, scale)
	h.put(px, x)
	h.put(pb, bm)
	biasp := uint64(0)
	if withBias {
		h.put(pbias, bias)
		biasp = uint64(pbias)
	}
	u := func(p uint32) uint64 { return uint64(p) }
	shape := func(fn string) string { return fn + " " + sprintShape(m, k, n, withBias) }

	// gemv
	want := make([]float32, m)
	if v == modules.SIMD {
		q8GemvLanes(want, a8, scale, x, bias)
	} else {
		kernels.GemvQ8(want, a8, scale, x, bias)
	}
	h.call("q8gemv", u(py), u(pa8), u(pscale), u(px), biasp, uint64(m), uint64(k))
	sameBits(t, v, "q8gemv", shape("gemv"), h.get(py, m), want)
	if v == modules.SIMD {
		f16GemvLanes(want, a16, x, bias)
	} else {
		kernels.GemvF16(want, a16, x, bias)
	}
	h.call("f16gemv", u(py), u(pa16), u(px), biasp, uint64(m), uint64(k))
	sameBits(t, v, "f16gemv", shape("gemv"), h.get(py, m), want)

	// gemm: every variant in Go's order.
	if m*n == 0 {
		return
	}
	wantC := make([]float32, m*n)
	kernels.GemmQ8(wantC, a8, scale, bm, bias, m, k, n)
	h.call("q8gemm", u(pc), u(pa8), u(pscale), u(pb), biasp, uint64(m), uint64(k), uint64(n))
	sameBits(t, v, "q8gemm", shape("gemm"), h.get(pc, m*n), wantC)
	kernels.GemmF16(wantC, a16, bm, bias, m, k, n)
	h.call("f16gemm", u(pc), u(pa16), u(pb), biasp, uint64(m), uint64(k), uint64(n))
	sameBits(t, v, "f16gemm", shape("gemm"), h.get(pc, m*n), wantC)
}

func sprintShape(m, k, n int, bias bool) string {
	s := []byte{}
	for i, d := range []int{m, k, n} {
		if i > 0 {
			s = append(s, 'x')
		}
		s = append(s, []byte(itoa(d))...)
	}
	if bias {
		s = append(s, " +bias"...)
	}
	return string(s)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestQuantKernelsMatchGo covers the SIMD paths (16/8/4-value steps and
// 16/4-column blocks) and their tails in both variants.
func TestQuantKernelsMatchGo(t *testing.T) {
	sizes := [][3]int{{1, 1, 1}, {3, 5, 7}, {4, 16, 16}, {5, 17, 17}, {7, 33, 21}, {2, 100, 65}, {16, 150, 64}, {10, 784, 3}, {1, 4, 4}, {3, 20, 1}, {0, 8, 8}, {6, 0, 9}}
	for _, v := range modules.Variants {
		h := newHarness(t, v)
		r := rand.New(rand.NewPCG(1, 2))
		for _, s := range sizes {
			for _, bias := range []bool{false, true} {
				for _, off := range []uint32{0, 1, 3} {
					checkQuant(t, h, v, r, s[0], s[1], s[2], off, bias)
				}
			}
		}
	}
}

// TestF16ToF32 checks the conversion on every finite fp16 value against
// the definition: sign · 2^(e-15) · (1 + f/1024), or 2^-14 · f/1024.
func TestF16ToF32(t *testing.T) {
	for h := range 1 << 16 {
		e, f := h>>10&31, h&1023
		if e == 31 {
			continue
		}
		var want float64
		if e == 0 {
			want = math.Ldexp(float64(f)/1024, -14)
		} else {
			want = math.Ldexp(1+float64(f)/1024, e-15)
		}
		if h&0x8000 != 0 {
			want = -want
		}
		if got := kernels.F16ToF32(uint16(h)); float64(got) != want || math.Signbit(float64(got)) != (h&0x8000 != 0) {
			t.Fatalf("F16ToF32(%#04x) = %v, want %v", h, got, want)
		}
	}
}

// FuzzQuantKernels compares both kernel modules with pure Go on fuzzed
// shapes, offsets and seeds.
func FuzzQuantKernels(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint8(7), uint8(1), true, uint64(1))
	f.Add(uint8(0), uint8(0), uint8(0), uint8(0), false, uint64(2))
	f.Add(uint8(17), uint8(33), uint8(70), uint8(3), true, uint64(3))
	hs := map[modules.Variant]*harness{}
	for _, v := range modules.Variants {
		hs[v] = newHarness(f, v)
	}
	f.Fuzz(func(t *testing.T, m, k, n, off uint8, bias bool, seed uint64) {
		for _, v := range modules.Variants {
			h := *hs[v]
			h.t = t
			checkQuant(t, &h, v, rand.New(rand.NewPCG(seed, 9)), int(m%40), int(k), int(n%90), uint32(off%16), bias)
		}
	})
}

// BenchmarkQuantKernel times the int8 and fp16 kernels under wazero beside
// the float32 ones on the same shapes: gemv 128×784 (a Linear layer) and
// gemm 64×288×256 (a 3×3 convolution of 32 channels by im2col).
func BenchmarkQuantKernel(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const m, n = 128, 784
	const gm, gk, gn = 64, 288, 256
	for _, v := range modules.Variants {
		h := newHarness(b, v)
		// float32: a, x, bias, y; then int8 and fp16 copies of a.
		pa, px, pbias, py := uint32(1024), uint32(1024+4*m*n), uint32(1024+4*m*n+4*n), uint32(1024+4*m*n+4*n+4*m)
		pq := py + 4*m
		ph := pq + m*n
		pscale := ph + 2*m*n
		h.put(pa, randF32(r, m*n))
		h.put(px, randF32(r, n))
		h.put(pbias, randF32(r, m))
		h.putBytes(pq, i8bytes(randI8(r, m*n)))
		h.putBytes(ph, u16bytes(randF16(r, m*n)))
		h.put(pscale, randF32(r, m))
		u := func(p uint32) uint64 { return uint64(p) }
		run := func(name, fn string, args ...uint64) {
			b.Run(fmt.Sprintf("%s/wazero-%s", name, v), func(b *testing.B) {
				f := h.k.ExportedFunction(fn)
				for b.Loop() {
					f.Call(h.ctx, args...)
				}
			})
		}
		run("gemv128x784/f32", "gemv", u(py), u(pa), u(px), u(pbias), m, n)
		run("gemv128x784/int8", "q8gemv", u(py), u(pq), u(pscale), u(px), u(pbias), m, n)
		run("gemv128x784/fp16", "f16gemv", u(py), u(ph), u(px), u(pbias), m, n)
		// gemm: a (gm×gk) from the same buffers, b (gk×gn) after them.
		pb := pscale + 4*m
		pc := pb + 4*gk*gn
		h.put(pb, randF32(r, gk*gn))
		run("gemm64x288x256/f32", "gemm", u(pc), u(pa), u(pb), u(pbias), gm, gk, gn)
		run("gemm64x288x256/int8", "q8gemm", u(pc), u(pq), u(pscale), u(pb), u(pbias), gm, gk, gn)
		run("gemm64x288x256/fp16", "f16gemm", u(pc), u(ph), u(pb), u(pbias), gm, gk, gn)
	}
}
