//go:build goexperiment.simd && amd64 && linux

package kernels

import (
	"math"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"unsafe"
)

// BenchmarkAVX2DwConv times MobileNetV2's first depthwise convolution
// (16 channels, 32×32, 3×3, ReLU6) with the AVX2 and the pure-Go loops.
func BenchmarkAVX2DwConv(b *testing.B) {
	g := geom{16, 32, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 32, 32, int32(ActNone), 0, int32(math.Float32bits(6))}
	r := rand.New(rand.NewPCG(1, 2))
	src, w, bias, dst := make([]float32, 16*32*32), make([]float32, 16*9), make([]float32, 16), make([]float32, 16*32*32)
	for i := range src {
		src[i] = float32(r.NormFloat64())
	}
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	for name, f := range map[string]func(){"avx2": func() { avx2DwConv(dst, src, w, bias, &g) }, "go": func() { goDwConv(dst, src, w, bias, &g) }} {
		b.Run(name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			best := int64(0)
			for b.Loop() {
				t := threadCPU()
				f()
				if d := threadCPU() - t; best == 0 || d < best {
					best = d
				}
			}
			b.ReportMetric(float64(best)/1000, "cpu-µs")
		})
	}
}

// threadCPU is the calling thread's CPU time in ns.
func threadCPU() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

func BenchmarkAVX2Calibrate(b *testing.B) {
	m, k, n := 64, 64, 256
	a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = 1.5
	}
	for i := range bb {
		bb[i] = 0.5
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	best := int64(0)
	for b.Loop() {
		t := threadCPU()
		avx2Gemm(c, a, bb, nil, m, k, n)
		if d := threadCPU() - t; best == 0 || d < best {
			best = d
		}
	}
	b.ReportMetric(float64(2*m*k*n)/float64(best), "GFLOP/s")
}

// TestAVX2PrimsRandom: avx2DwConv, avx2Pool and avx2Im2colConv against
// their pure-Go loops on random geometries, bit for bit (any NaN equals
// any NaN).
func TestAVX2PrimsRandom(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(3, 4))
	n := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	fill := func(s []float32) {
		for i := range s {
			s[i] = float32(r.NormFloat64())
			if r.IntN(10) == 0 {
				s[i] = []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1))}[r.IntN(4)]
			}
		}
	}
	same := func(a, b []float32) int {
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
				return i
			}
		}
		return -1
	}
	for trial := range 6000 {
		c, ih, iw := n(1, 4), n(1, 14), n(1, 40)
		if trial%2 == 0 {
			c = n(5, 20) // eight channels and more: avx2DwConvLanes, full and partial groups
		}
		kh, kw := n(1, min(ih+1, 5)), n(1, 5)
		sh, sw, dh, dw := n(1, 3), n(1, 5), n(1, 2), n(1, 2) // strides above 2 gather (load8)
		ph, pw, eh, ew := n(0, 3), n(0, 3), n(0, 2), n(0, 2)
		oh := (ih+ph+eh-(dh*(kh-1)+1))/sh + 1
		ow := (iw+pw+ew-(dw*(kw-1)+1))/sw + 1
		if ih+ph+eh < dh*(kh-1)+1 || iw+pw+ew < dw*(kw-1)+1 || oh < 1 || ow < 1 {
			continue
		}
		ops := []Act{{Op: ActNone}, {Op: ActRelu}, {Op: ActClip, Alpha: 0, Beta: 6}, {Op: ActSigmoid}, {Op: ActTanh}, {Op: ActLeakyRelu, Alpha: 0.01}, {Op: ActHardSwish}}
		a := ops[trial%len(ops)]
		g := geom{int32(c), int32(ih), int32(iw), int32(oh), int32(ow), int32(kh), int32(kw), int32(sh), int32(sw), int32(dh), int32(dw),
			int32(ph), int32(pw), int32(ih + eh), int32(iw + ew), int32(a.Op), int32(math.Float32bits(a.Alpha)), int32(math.Float32bits(a.Beta))}
		src, w, b := make([]float32, c*ih*iw), make([]float32, c*kh*kw), make([]float32, c)
		fill(src)
		fill(w)
		fill(b)
		want, got := make([]float32, c*oh*ow), make([]float32, c*oh*ow)
		goDwConv(want, src, w, b, &g)
		avx2DwConv(got, src, w, b, &g)
		if i := same(got, want); i >= 0 {
			t.Fatalf("dwconv %v: output %d is %v, want %v", g, i, got[i], want[i])
		}
		g[gOp] = int32(trial % 4)
		goPool(want, src, &g)
		avx2Pool(got, src, &g)
		if i := same(got, want); i >= 0 {
			t.Fatalf("pool %v: output %d is %v, want %v", g, i, got[i], want[i])
		}
		want, got = make([]float32, c*kh*kw*oh*ow), make([]float32, c*kh*kw*oh*ow)
		goIm2colConv(want, src, &g)
		avx2Im2colConv(got, src, &g)
		if i := same(got, want); i >= 0 {
			t.Fatalf("im2col_conv %v: output %d is %v, want %v", g, i, got[i], want[i])
		}
	}
}
