package kernels_test

import (
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

func benchConv(b *testing.B, p kernels.ConvParams) {
	r := rand.New(rand.NewPCG(1, 1))
	src := randSlice(r, p.N*p.InC*prod(p.In))
	w := randSlice(r, p.OutC*p.InC/p.Group*prod(p.Kernel))
	bias := randSlice(r, p.OutC)
	dst := make([]float32, p.N*p.OutC*prod(p.Out))
	scratch := make([]float32, kernels.ConvScratch(p))
	macs := p.N * p.OutC * prod(p.Out) * p.InC / p.Group * prod(p.Kernel)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		kernels.Conv(dst, src, w, bias, scratch, p)
	}
	b.ReportMetric(float64(macs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
}

// The shapes of small CNNs: a first layer, a MobileNet depthwise and
// pointwise pair, a strided layer, and a 1-D audio layer.
func BenchmarkConv(b *testing.B) {
	relu := kernels.Act{Op: kernels.ActRelu}
	for _, tt := range []struct {
		name string
		p    kernels.ConvParams
	}{
		{"3x32x32_to_32_3x3_pad1", withAct(conv2(1, 3, 32, 1, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), relu)},
		{"depthwise_32x56x56_3x3_pad1", withAct(conv2(1, 32, 32, 32, 56, 56, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), relu)},
		{"depthwise_32x56x56_3x3_stride2", conv2(1, 32, 32, 32, 56, 56, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0)},
		{"pointwise_32x56x56_to_64", withAct(conv2(1, 32, 64, 1, 56, 56, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0), relu)},
		{"32x16x16_to_64_3x3_stride2", conv2(1, 32, 64, 1, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0)},
		{"1d_64x400_to_64_k3", conv1(1, 64, 64, 1, 400, 3, 1, 1, 1, 1)},
	} {
		b.Run(tt.name, func(b *testing.B) { benchConv(b, tt.p) })
	}
}

func BenchmarkPool(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, tt := range []struct {
		name string
		p    kernels.PoolParams
		max  bool
	}{
		{"max_64x56x56_2x2_stride2", pool(1, 64, ints(56, 56), ints(2, 2), ints(2, 2), ints(1, 1), ints(0, 0), ints(0, 0), false, false), true},
		{"max_64x112x112_3x3_stride2_pad1", pool(1, 64, ints(112, 112), ints(3, 3), ints(2, 2), ints(1, 1), ints(1, 1), ints(1, 1), false, false), true},
		{"avg_64x56x56_3x3_pad1", pool(1, 64, ints(56, 56), ints(3, 3), ints(1, 1), ints(1, 1), ints(1, 1), ints(1, 1), false, true), false},
	} {
		b.Run(tt.name, func(b *testing.B) {
			src := randSlice(r, tt.p.N*tt.p.C*prod(tt.p.In))
			dst := make([]float32, tt.p.N*tt.p.C*prod(tt.p.Out))
			defer cpuPerOp(b)()
			for b.Loop() {
				if tt.max {
					kernels.MaxPool(dst, src, tt.p)
				} else {
					kernels.AveragePool(dst, src, tt.p)
				}
			}
		})
	}
	b.Run("global_avg_1280x7x7", func(b *testing.B) {
		src := randSlice(r, 1280*49)
		dst := make([]float32, 1280)
		defer cpuPerOp(b)()
		for b.Loop() {
			kernels.GlobalPool(dst, src, 1, 1280, 49, false)
		}
	})
}

func BenchmarkActivate(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	x := randSlice(r, 1<<16)
	dst := make([]float32, len(x))
	for _, a := range []kernels.Act{{Op: kernels.ActRelu}, {Op: kernels.ActClip, Beta: 6}, {Op: kernels.ActSigmoid}, {Op: kernels.ActTanh},
		{Op: kernels.ActHardSwish}, {Op: kernels.ActGelu}, {Op: kernels.ActGeluTanh}, {Op: kernels.ActExp}} {
		b.Run(actNames[a.Op], func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			defer cpuPerOp(b)()
			for b.Loop() {
				kernels.Activate(dst, x, a)
			}
		})
	}
}

var actNames = map[kernels.ActOp]string{kernels.ActRelu: "relu", kernels.ActClip: "clip", kernels.ActSigmoid: "sigmoid", kernels.ActTanh: "tanh",
	kernels.ActHardSwish: "hardswish", kernels.ActGelu: "gelu", kernels.ActGeluTanh: "gelu_tanh", kernels.ActExp: "exp"}

func BenchmarkBinary(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, tt := range []struct {
		name        string
		out, as, bs []int
	}{
		{"same_64x56x56", ints(64, 56, 56), ints(64, 56, 56), ints(64, 56, 56)},
		{"channel_bias_64x56x56", ints(1, 64, 56, 56), ints(1, 64, 56, 56), ints(1, 64, 1, 1)},
		{"last_axis_128x768", ints(128, 768), ints(128, 768), ints(1, 768)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			a, bb := randSlice(r, prod(tt.as)), randSlice(r, prod(tt.bs))
			dst := make([]float32, prod(tt.out))
			defer cpuPerOp(b)()
			for b.Loop() {
				kernels.Binary(dst, a, bb, kernels.BinMul, tt.out, tt.as, tt.bs)
			}
		})
	}
}

func BenchmarkGemmExLinear(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, m := range []int{1, 16} {
		p := kernels.GemmParams{M: m, K: 512, N: 256, TransB: true, Alpha: 1, Beta: 1, CRows: 1, CCols: 256}
		a, w, c := randSlice(r, m*512), randSlice(r, 256*512), randSlice(r, 256)
		y := make([]float32, m*256)
		b.Run(sprintfName("M", m), func(b *testing.B) {
			defer cpuPerOp(b)()
			for b.Loop() {
				kernels.GemmEx(y, a, w, c, p)
			}
		})
	}
}

func sprintfName(k string, v int) string { return k + string(rune('0'+v/10)) + string(rune('0'+v%10)) }

// cpuPerOp, deferred before the loop, reports the CPU time per call
// (cpu-ns/op) beside wall time: a busy machine inflates wall time, not it.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if d := cpuTime() - start; d > 0 && start > 0 {
			b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}
