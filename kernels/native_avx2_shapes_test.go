//go:build goexperiment.simd && amd64 && linux

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// bestCPU runs f in a b.Loop and reports its fastest run by the thread's
// CPU time, µs (the wall clock is noise on a shared machine).
func bestCPU(b *testing.B, f func()) {
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
}

// BenchmarkAVX2Shapes times the AVX2 kernels on the shapes of the ONNX
// fixtures the bench compares with onnxruntime-node (MobileNetV2's
// depthwise and pointwise layers, audio1d's pools and activations), by
// the fastest call's thread CPU time.
func BenchmarkAVX2Shapes(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	clip6 := int32(math.Float32bits(6))
	for _, s := range []struct{ c, hw, stride int }{{16, 32, 1}, {64, 32, 2}, {96, 16, 1}, {96, 16, 2}, {128, 8, 1}} {
		oh := (s.hw+2-3)/s.stride + 1
		g := geom{int32(s.c), int32(s.hw), int32(s.hw), int32(oh), int32(oh), 3, 3, int32(s.stride), int32(s.stride), 1, 1, 1, 1, int32(s.hw), int32(s.hw), int32(ActClip), 0, clip6}
		src, w, bias, dst := values(r, s.c*s.hw*s.hw, false), values(r, s.c*9, false), values(r, s.c, false), make([]float32, s.c*oh*oh)
		b.Run(fmt.Sprintf("dwconv/%dx%dx%d/s%d", s.c, s.hw, s.hw, s.stride), func(b *testing.B) {
			bestCPU(b, func() { avx2DwConv(dst, src, w, bias, &g) })
		})
	}
	for _, s := range []struct{ m, k, n int }{{64, 16, 1024}, {24, 64, 256}, {96, 24, 256}, {24, 96, 256}, {128, 32, 64}, {32, 128, 64}, {16, 27, 1024}, {16, 80, 4000}, {32, 48, 1000}} {
		a, x, bias := values(r, s.m*s.k, false), values(r, s.k*s.n, false), values(r, s.m, false)
		c := make([]float32, s.m*s.n)
		b.Run(fmt.Sprintf("gemm/%dx%dx%d", s.m, s.k, s.n), func(b *testing.B) {
			bestCPU(b, func() { avx2Gemm(c, a, x, bias, s.m, s.k, s.n) })
			b.ReportMetric(0, "ns/op")
		})
	}
	x := values(r, 32*1000, false)
	y := make([]float32, len(x))
	for _, op := range []ActOp{ActTanh, ActSigmoid} {
		b.Run(fmt.Sprintf("act/%d/32000", op), func(b *testing.B) {
			bestCPU(b, func() { avx2Act(y, x, Act{Op: op}) })
		})
	}
	pool := geom{16, 1, 4000, 1, 1000, 1, 4, 1, 4, 1, 1, 0, 0, 1, 4000, poolMax, 0, 0}
	in, out := values(r, 16*4000, false), make([]float32, 16*1000)
	b.Run("pool/max/16x4000/k4s4", func(b *testing.B) {
		bestCPU(b, func() { avx2Pool(out, in, &pool) })
	})
}

// BenchmarkAVX2CifarPools times cifar_cnn's three pools (2×2 stride 2,
// 3×3 stride 2 ceil mode, global average) by the fastest call's thread
// CPU time.
func BenchmarkAVX2CifarPools(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, s := range []struct {
		name string
		g    geom
	}{
		{"max/16x32x32/k2s2", geom{16, 32, 32, 16, 16, 2, 2, 2, 2, 1, 1, 0, 0, 32, 32, poolMax}},
		{"max/32x16x16/k3s2ceil", geom{32, 16, 16, 8, 8, 3, 3, 2, 2, 1, 1, 0, 0, 17, 17, poolMax}},
		{"avg/64x8x8/global", geom{64, 8, 8, 1, 1, 8, 8, 1, 1, 1, 1, 0, 0, 8, 8, 0}},
	} {
		in, out := values(r, int(s.g[gC]*s.g[gIH]*s.g[gIW]), false), make([]float32, s.g[gC]*s.g[gOH]*s.g[gOW])
		b.Run("pool/"+s.name, func(b *testing.B) {
			bestCPU(b, func() { avx2Pool(out, in, &s.g) })
		})
	}
}
