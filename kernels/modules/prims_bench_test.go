package modules_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
)

// primBench is one benchmarked primitive call: native runs it through
// package kernels (pure Go natively), place writes its data into a kernel
// host and returns the kernel's arguments.
type primBench struct {
	name, fn string
	native   func()
	place    func(h kernelHost, L *layout) []uint64
}

// primBenchCases are layer-sized calls of each primitive.
func primBenchCases(r *rand.Rand) []primBench {
	sq := func(v int) []int { return []int{v, v} }
	geom := func(c int, cp kernels.ConvParams) []uint32 {
		return geomBlock(c, cp.In, cp.Out, cp.Kernel, cp.Stride, cp.Dilation, cp.Pad, nil, int(cp.Act.Op), cp.Act.Alpha, cp.Act.Beta)
	}
	// im2col of a 3×3 pad-1 convolution over 16 channels of 32×32
	cp := kernels.ConvParams{N: 1, InC: 16, OutC: 16, Group: 1, In: sq(32), Out: sq(32), Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1)}
	csrc, col := rnd(r, 16*32*32), make([]float32, 16*9*32*32)
	// depthwise 3×3 pad 1 over 32 channels of 56×56, stride 1 and 2, ReLU6
	dw1 := kernels.ConvParams{N: 1, InC: 32, OutC: 32, Group: 32, In: sq(56), Out: sq(56), Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1),
		Act: kernels.Act{Op: kernels.ActClip, Alpha: 0, Beta: 6}}
	dw2 := dw1
	dw2.Out, dw2.Stride = sq(28), sq(2)
	dsrc, dwt, dbias, ddst := rnd(r, 32*56*56), rnd(r, 32*9), rnd(r, 32), make([]float32, 32*56*56)
	// 2×2 stride-2 max pooling of 32×56×56
	pp := kernels.PoolParams{N: 1, C: 32, In: sq(56), Out: sq(28), Kernel: sq(2), Stride: sq(2), Dilation: sq(1), Pad: sq(0), PadEnd: sq(0)}
	pdst := make([]float32, 32*28*28)
	// activations on 1 Mi values
	const an = 1 << 20
	ax, ay := rnd(r, an), make([]float32, an)
	relu, clip := kernels.Act{Op: kernels.ActRelu}, kernels.Act{Op: kernels.ActClip, Alpha: 0, Beta: 6}

	conv := func(name string, p kernels.ConvParams, dst []float32) primBench {
		return primBench{name, "dwconv", func() { kernels.DepthwiseConv(dst, dsrc, dwt, dbias, p) }, func(h kernelHost, L *layout) []uint64 {
			pg, ps, pw, pb, pd := L.at(18), L.at(len(dsrc)), L.at(len(dwt)), L.at(len(dbias)), L.at(len(dst))
			h.putWords(pg, geom(32, p))
			h.put(ps, dsrc)
			h.put(pw, dwt)
			h.put(pb, dbias)
			return []uint64{uint64(pd), uint64(ps), uint64(pw), uint64(pb), uint64(pg)}
		}}
	}
	act := func(name string, a kernels.Act) primBench {
		return primBench{name, "act", func() { kernels.ActKernel(ay, ax, a) }, func(h kernelHost, L *layout) []uint64 {
			px, py := L.at(an), L.at(an)
			h.put(px, ax)
			return []uint64{uint64(py), uint64(px), an, uint64(a.Op), f32(a.Alpha), f32(a.Beta)}
		}}
	}
	return []primBench{
		{"im2col3x3pad1-16x32x32", "im2col_conv", func() { kernels.Im2colConv(col, csrc, cp, 0, 0) }, func(h kernelHost, L *layout) []uint64 {
			pg, ps, pc := L.at(18), L.at(len(csrc)), L.at(len(col))
			h.putWords(pg, geom(16, cp))
			h.put(ps, csrc)
			return []uint64{uint64(pc), uint64(ps), uint64(pg)}
		}},
		conv("dwconv3x3-32x56x56-s1", dw1, ddst),
		conv("dwconv3x3-32x56x56-s2", dw2, ddst[:32*28*28]),
		{"maxpool2x2s2-32x56x56", "pool", func() { kernels.Pool(pdst, dsrc, pp, true) }, func(h kernelHost, L *layout) []uint64 {
			pg, ps, pd := L.at(18), L.at(len(dsrc)), L.at(len(pdst))
			h.putWords(pg, geomBlock(32, pp.In, pp.Out, pp.Kernel, pp.Stride, pp.Dilation, pp.Pad, pp.PadEnd, 1, 0, 0))
			h.put(ps, dsrc)
			return []uint64{uint64(pd), uint64(ps), uint64(pg)}
		}},
		act("relu1Mi", relu),
		act("clip1Mi", clip),
	}
}

// BenchmarkPrims times one call of each primitive on a layer-sized shape
// under wazero (through the forwarder, from the host: each includes
// wazero's call cost of about 0.1 µs) against the same call in native
// pure Go. Each also reports cpu-ns/op, the process's CPU time per call,
// steadier than ns/op on a shared machine.
func BenchmarkPrims(b *testing.B) {
	cases := primBenchCases(rand.New(rand.NewPCG(3, 3)))
	timed := func(f func()) func(b *testing.B) {
		return func(b *testing.B) {
			c := cpuTime()
			for b.Loop() {
				f()
			}
			b.ReportMetric(float64(cpuTime()-c)/float64(b.N), "cpu-ns/op")
		}
	}
	for _, c := range cases {
		b.Run(c.name+"/native-go", timed(c.native))
	}
	for _, v := range modules.Variants {
		h := newHarness(b, v)
		if _, ok := h.mem.Grow(160); !ok { // to 12 MiB
			b.Fatal("cannot grow the memory")
		}
		for _, c := range cases {
			args := c.place(h, &layout{next: 1024})
			f := h.k.ExportedFunction(c.fn)
			b.Run(fmt.Sprintf("%s/wazero-%s", c.name, v), timed(func() {
				if _, err := f.Call(h.ctx, args...); err != nil {
					b.Fatal(err)
				}
			}))
		}
	}
}
