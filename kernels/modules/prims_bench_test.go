package modules_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
)

// BenchmarkPrims times one call of each primitive on a layer-sized shape
// under wazero (through the forwarder, from the host: each includes
// wazero's call cost of about 0.1 µs) against the same call in native
// pure Go. Each also reports cpu-ns/op, the process's CPU time per call,
// steadier than ns/op on a shared machine.
func BenchmarkPrims(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	sq := func(v int) []int { return []int{v, v} }
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

	run := func(name string, f func()) {
		b.Run(name, func(b *testing.B) {
			c := cpuTime()
			for b.Loop() {
				f()
			}
			b.ReportMetric(float64(cpuTime()-c)/float64(b.N), "cpu-ns/op")
		})
	}
	run("im2col3x3pad1-16x32x32/native-go", func() { kernels.Im2colConv(col, csrc, cp, 0, 0) })
	run("dwconv3x3-32x56x56-s1/native-go", func() { kernels.DepthwiseConv(ddst, dsrc, dwt, dbias, dw1) })
	run("dwconv3x3-32x56x56-s2/native-go", func() { kernels.DepthwiseConv(ddst[:32*28*28], dsrc, dwt, dbias, dw2) })
	run("maxpool2x2s2-32x56x56/native-go", func() { kernels.Pool(pdst, dsrc, pp, true) })
	run("relu1Mi/native-go", func() { kernels.ActKernel(ay, ax, relu) })
	run("clip1Mi/native-go", func() { kernels.ActKernel(ay, ax, clip) })
	for _, v := range modules.Variants {
		h := newHarness(b, v)
		if _, ok := h.mem.Grow(160); !ok { // to 12 MiB
			b.Fatal("cannot grow the memory")
		}
		L := &layout{next: 1024}
		pg := L.at(18)
		pcs, pcol := L.at(len(csrc)), L.at(len(col))
		h.put(pcs, csrc)
		pds, pdw, pdb, pdd := L.at(len(dsrc)), L.at(len(dwt)), L.at(len(dbias)), L.at(len(ddst))
		h.put(pds, dsrc)
		h.put(pdw, dwt)
		h.put(pdb, dbias)
		pax, pay := L.at(an), L.at(an)
		h.put(pax, ax)
		call := func(name string, g []uint32, args ...uint64) func(b *testing.B) {
			return func(b *testing.B) {
				if g != nil {
					h.putWords(pg, g)
				}
				f := h.k.ExportedFunction(name)
				c := cpuTime()
				for b.Loop() {
					if _, err := f.Call(h.ctx, args...); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cpuTime()-c)/float64(b.N), "cpu-ns/op")
			}
		}
		geom := func(c int, cp kernels.ConvParams) []uint32 {
			return geomBlock(c, cp.In, cp.Out, cp.Kernel, cp.Stride, cp.Dilation, cp.Pad, nil, int(cp.Act.Op), cp.Act.Alpha, cp.Act.Beta)
		}
		b.Run(fmt.Sprintf("im2col3x3pad1-16x32x32/wazero-%s", v), call("im2col_conv", geom(16, cp), uint64(pcol), uint64(pcs), uint64(pg)))
		b.Run(fmt.Sprintf("dwconv3x3-32x56x56-s1/wazero-%s", v), call("dwconv", geom(32, dw1), uint64(pdd), uint64(pds), uint64(pdw), uint64(pdb), uint64(pg)))
		b.Run(fmt.Sprintf("dwconv3x3-32x56x56-s2/wazero-%s", v), call("dwconv", geom(32, dw2), uint64(pdd), uint64(pds), uint64(pdw), uint64(pdb), uint64(pg)))
		b.Run(fmt.Sprintf("maxpool2x2s2-32x56x56/wazero-%s", v),
			call("pool", geomBlock(32, pp.In, pp.Out, pp.Kernel, pp.Stride, pp.Dilation, pp.Pad, pp.PadEnd, 1, 0, 0), uint64(pdd), uint64(pds), uint64(pg)))
		b.Run(fmt.Sprintf("relu1Mi/wazero-%s", v), call("act", nil, uint64(pay), uint64(pax), an, uint64(relu.Op), f32(0), f32(0)))
		b.Run(fmt.Sprintf("clip1Mi/wazero-%s", v), call("act", nil, uint64(pay), uint64(pax), an, uint64(clip.Op), f32(0), f32(6)))
	}
}
