package kernels_test

import (
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// TestLayerCallsAllocateNothing: a generated model calls these once per
// layer per predict; in a browser every allocation is garbage that Go's
// collector, single-threaded in WebAssembly, must stop the model for
// (12% of lenet's predict in Chromium when MaxPool allocated 4 times per
// call). So the calls of the CNN fixtures' layers allocate nothing.
func TestLayerCallsAllocateNothing(t *testing.T) {
	sq := func(v int) []int { return []int{v, v} }
	x := make([]float32, 16*16*16)
	y := make([]float32, 32*16*16)
	w := make([]float32, 32*16*9)
	b := make([]float32, 32)
	q, h := make([]int8, 16*9), make([]uint16, 16*9)
	q8, h16 := make([]int8, 32*16*9), make([]uint16, 960)
	scratch := make([]float32, 16*9*16*16)
	conv := kernels.ConvParams{N: 1, InC: 16, OutC: 32, Group: 1, In: sq(16), Out: sq(16), Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1),
		Act: kernels.Act{Op: kernels.ActRelu}}
	dw := kernels.ConvParams{N: 1, InC: 16, OutC: 16, Group: 16, In: sq(16), Out: sq(8), Kernel: sq(3), Stride: sq(2), Dilation: sq(1), Pad: sq(1),
		Act: kernels.Act{Op: kernels.ActClip, Beta: 6}}
	pw := kernels.ConvParams{N: 1, InC: 16, OutC: 32, Group: 1, In: sq(16), Out: sq(16), Kernel: sq(1), Stride: sq(1), Dilation: sq(1), Pad: sq(0),
		Act: kernels.Act{Op: kernels.ActHardSwish}}
	pool := kernels.PoolParams{N: 1, C: 16, In: sq(16), Out: sq(8), Kernel: sq(3), Stride: sq(2), Dilation: sq(1), Pad: sq(1), PadEnd: sq(0)}
	shape, ax := []int{1, 16, 16, 16}, []int{2, 3}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Conv 3x3", func() { kernels.Conv(y, x, w, b, scratch, conv) }},
		{"Conv depthwise", func() { kernels.Conv(y[:16*64], x, w[:16*9], b[:16], nil, dw) }},
		{"ConvQ8 depthwise", func() { kernels.ConvQ8(y[:16*64], x, q[:16*9], b[:16], b[:16], nil, dw) }},
		{"ConvF16 depthwise", func() { kernels.ConvF16(y[:16*64], x, h[:16*9], b[:16], nil, dw) }},
		{"ConvQ8 3x3", func() { kernels.ConvQ8(y, x, q8[:32*16*9], b, b, scratch, conv) }},
		{"GemmExQ8", func() {
			kernels.GemmExQ8(y[:10], x[:96], q8[:960], b[:10], b[:10], kernels.GemmParams{M: 1, N: 10, K: 96, TransB: true, Alpha: 1, Beta: 1, CRows: 1, CCols: 10})
		}},
		{"GemmExF16", func() {
			kernels.GemmExF16(y[:10], x[:96], h16[:960], b[:10], kernels.GemmParams{M: 1, N: 10, K: 96, TransB: true, Alpha: 1, Beta: 1, CRows: 1, CCols: 10})
		}},
		{"Conv pointwise", func() { kernels.Conv(y, x, w[:32*16], b, nil, pw) }},
		{"MaxPool", func() { kernels.MaxPool(y[:16*64], x, pool) }},
		{"AveragePool", func() { kernels.AveragePool(y[:16*64], x, pool) }},
		{"GlobalPool", func() { kernels.GlobalPool(y[:16], x, 1, 16, 256, false) }},
		{"ReduceMean", func() { kernels.Reduce(y[:16], x, kernels.ReduceMean, shape, ax) }},
		{"GemmEx", func() {
			kernels.GemmEx(y[:10], x[:96], w[:960], b[:10], kernels.GemmParams{M: 1, N: 10, K: 96, TransB: true, Alpha: 1, Beta: 1, CRows: 1, CCols: 10})
		}},
		{"Binary add", func() { kernels.Binary(y[:4096], x, x, kernels.BinAdd, shape, shape, shape) }},
	} {
		if n := testing.AllocsPerRun(10, c.f); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.name, n)
		}
	}
}

// The integer dot-product ops quantize their activations into the
// caller's scratch (ConvQ8Dot) or a buffer on the stack (GemmExQ8Dot);
// ConvQ8 dequantizes small weights into a tile on the stack.
func TestQ8DotCallsAllocateNothing(t *testing.T) {
	sq := func(v int) []int { return []int{v, v} }
	x, y, b := make([]float32, 16*16*16), make([]float32, 32*16*16), make([]float32, 32)
	q8 := make([]int8, 32*16*9)
	conv := kernels.ConvParams{N: 1, InC: 16, OutC: 32, Group: 1, In: sq(16), Out: sq(16), Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1),
		Act: kernels.Act{Op: kernels.ActRelu}}
	pw := kernels.ConvParams{N: 1, InC: 16, OutC: 32, Group: 1, In: sq(16), Out: sq(16), Kernel: sq(1), Stride: sq(1), Dilation: sq(1), Pad: sq(0)}
	dw := kernels.ConvParams{N: 1, InC: 16, OutC: 16, Group: 16, In: sq(16), Out: sq(16), Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1),
		Act: kernels.Act{Op: kernels.ActClip, Beta: 6}}
	small := kernels.ConvParams{N: 1, InC: 1, OutC: 6, Group: 1, In: sq(16), Out: sq(16), Kernel: sq(5), Stride: sq(1), Dilation: sq(1), Pad: sq(2)} // lenet's first
	scratch := make([]float32, kernels.ConvQ8DotScratch(conv))
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"ConvQ8Dot 3x3", func() { kernels.ConvQ8Dot(y, x, q8, b, b, scratch, conv) }},
		{"ConvQ8Dot depthwise", func() {
			kernels.ConvQ8Dot(y[:16*16*16], x, q8[:16*9], b[:16], b[:16], scratch[:kernels.ConvQ8DotScratch(dw)], dw)
		}},
		{"ConvQ8Dot pointwise", func() { kernels.ConvQ8Dot(y, x, q8[:32*16], b, b, scratch[:kernels.ConvQ8DotScratch(pw)], pw) }},
		{"ConvQ8Dot, all weights in the tile (ConvQ8)", func() {
			kernels.ConvQ8Dot(y[:6*16*16], x[:16*16], q8[:6*25], b[:6], b[:6], scratch[:kernels.ConvQ8DotScratch(small)], small)
		}},
		{"GemmExQ8Dot", func() {
			kernels.GemmExQ8Dot(y[:10], x[:96], q8[:960], b[:10], b[:10], kernels.GemmParams{M: 1, N: 10, K: 96, TransB: true, Alpha: 1, Beta: 1, CRows: 1, CCols: 10})
		}},
	} {
		if n := testing.AllocsPerRun(10, c.f); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.name, n)
		}
	}
}
