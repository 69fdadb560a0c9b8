package kernels_test

import (
	"math"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// TestOpsRefuseBadShapes: each bad call panics with a *ShapeError whose
// message names the rule, and writes nothing.
func TestOpsRefuseBadShapes(t *testing.T) {
	buf := seq(256)
	out := make([]float32, 64)
	for i := range out {
		out[i] = -1
	}
	ok := conv2(1, 2, 4, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1) // 2x5x5 -> 4x5x5, w 72
	bad := func(f func(*kernels.ConvParams)) kernels.ConvParams {
		p := ok
		p.In, p.Out, p.Kernel, p.Stride, p.Dilation, p.Pad = ints(5, 5), ints(5, 5), ints(3, 3), ints(1, 1), ints(1, 1), ints(1, 1)
		f(&p)
		return p
	}
	scratch := make([]float32, 2*9*25)
	conv := func(p kernels.ConvParams, dst []float32, w int) func() {
		return func() { kernels.Conv(dst, buf[:p.N*p.InC*25], buf[100:100+w], nil, scratch, p) }
	}
	big := make([]float32, 100)
	pp := pool(1, 2, ints(4, 4), ints(2, 2), ints(2, 2), ints(1, 1), ints(0, 0), ints(0, 0), false, false)
	poolBad := func(f func(*kernels.PoolParams)) kernels.PoolParams {
		p := pp
		p.In, p.Out, p.Kernel, p.Stride, p.Dilation, p.Pad, p.PadEnd = ints(4, 4), ints(2, 2), ints(2, 2), ints(2, 2), ints(1, 1), ints(0, 0), ints(0, 0)
		f(&p)
		return p
	}
	for _, tt := range []struct {
		name, want string
		f          func()
	}{
		{"Activate len", "kernels.Activate: lengths differ: len(dst), len(x) = 3, 4", func() { kernels.Activate(out[:3], buf[:4], kernels.Act{}) }},
		{"Activate partial overlap", "dst partly overlaps x", func() { kernels.Activate(buf[1:5], buf[0:4], kernels.Act{}) }},
		{"Activate op", "unknown ActOp 200", func() { kernels.Activate(out[:3], buf[:3], kernels.Act{Op: 200}) }},
		{"Binary shape", "kernels.Binary: bShape[1] = 2, want outShape[1] = 3 or 1 (shapes 1x2, 2x3)", func() { kernels.Binary(out[:6], buf[:6], buf[:2], kernels.BinAdd, ints(2, 3), ints(2, 3), ints(1, 2)) }},
		{"Binary rank", "len(bShape) = 1, want len(outShape) = 2", func() { kernels.Binary(out[:6], buf[:6], buf[:3], kernels.BinAdd, ints(2, 3), ints(2, 3), ints(3)) }},
		{"Binary len a", "len(a) = 5, want product of aShape 2x3 = 6", func() { kernels.Binary(out[:6], buf[:5], buf[:3], kernels.BinAdd, ints(2, 3), ints(2, 3), ints(1, 3)) }},
		{"Binary dst over broadcast b", "dst overlaps b (broadcast)", func() { kernels.Binary(out[:6], buf[:6], out[:3], kernels.BinAdd, ints(2, 3), ints(2, 3), ints(1, 3)) }},
		{"Binary op", "unknown BinOp 9", func() { kernels.Binary(out[:1], buf[:1], buf[:1], 9, nil, nil, nil) }},
		{"Binary negative dim", "outShape[0] = -2, want >= 0", func() { kernels.Binary(out[:0], buf[:0], buf[:0], kernels.BinAdd, ints(-2), ints(1), ints(1)) }},
		{"Binary overflow", "size", func() {
			kernels.Binary(out[:1], buf[:1], buf[:1], kernels.BinAdd, ints(1<<20, 1<<20), ints(1, 1), ints(1, 1))
		}},
		{"Conv w", "kernels.Conv: len(w) = 71, want OutC*InC/Group*Kernel = 4*2/1*3x3 = 72", conv(ok, big, 71)},
		{"Conv dst", "len(dst) = 64, want N*OutC*Out = 1*4*5x5 = 100", conv(ok, out, 72)},
		{"Conv group", "Group = 3 must divide InC = 2 and OutC = 4", conv(bad(func(p *kernels.ConvParams) { p.Group = 3 }), big, 24)},
		{"Conv stride 0", "Stride[1] = 0, want 1..2^31-1", conv(bad(func(p *kernels.ConvParams) { p.Stride[1] = 0 }), big, 72)},
		{"Conv ranks", "len(Dilation) = 1, want len(In) = 2", conv(bad(func(p *kernels.ConvParams) { p.Dilation = ints(1) }), big, 72)},
		{"Conv 3-D", "len(In) = 3, want 1 (1-D) or 2 (2-D)", conv(bad(func(p *kernels.ConvParams) { p.In = ints(1, 5, 5) }), big, 72)},
		{"Conv negative pad", "Pad[0] = -1, want 0..2^31-1", conv(bad(func(p *kernels.ConvParams) { p.Pad[0] = -1 }), big, 72)},
		{"Conv Out too small", "Out[0] = 2, want >= floor((In+Pad-Dilation*(Kernel-1)-1)/Stride)+1 = floor((5+1-1*(3-1)-1)/1)+1 = 4", conv(bad(func(p *kernels.ConvParams) { p.Out[0] = 2 }), big, 72)},
		{"Conv act", "unknown ActOp 99", conv(bad(func(p *kernels.ConvParams) { p.Act.Op = 99 }), big, 72)},
		{"Conv scratch", "len(scratch) = 10, want >= ConvScratch(p) = InC/Group*Kernel*Out = 2*3x3*5x5 = 450", func() {
			kernels.Conv(big, buf[:50], buf[100:172], nil, make([]float32, 10), ok)
		}},
		{"Conv bias", "len(b) = 3, want OutC (or b = nil) = 4", func() { kernels.Conv(big, buf[:50], buf[100:172], buf[200:203], scratch, ok) }},
		{"Conv dst overlaps src", "dst overlaps src", func() { kernels.Conv(buf[:100], buf[:50], buf[100:172], nil, scratch, ok) }},
		{"Conv scratch overlaps w", "scratch overlaps w", func() { ww := make([]float32, 600); kernels.Conv(big, buf[:50], ww[:72], nil, ww[:450], ok) }},
		{"ConvScratch", "Group = 0, want >= 1", func() { kernels.ConvScratch(bad(func(p *kernels.ConvParams) { p.Group = 0 })) }},
		{"MaxPool Out", "kernels.MaxPool: Out[1] = 4, want floor or ceil of (In+Pad+PadEnd-Dilation*(Kernel-1)-1)/Stride, plus 1: (4+0+0-1*(2-1)-1)/2+1 gives 2..2",
			func() { kernels.MaxPool(out[:16], buf[:32], poolBad(func(p *kernels.PoolParams) { p.Out[1] = 4 })) }},
		{"AveragePool src", "len(src) = 31, want N*C*In = 1*2*4x4 = 32", func() { kernels.AveragePool(out[:8], buf[:31], pp) }},
		{"AveragePool PadEnd", "PadEnd = nil", func() {
			kernels.AveragePool(out[:8], buf[:32], poolBad(func(p *kernels.PoolParams) { p.PadEnd = nil }))
		}},
		{"MaxPool overlap", "dst overlaps src", func() { kernels.MaxPool(buf[:8], buf[:32], pp) }},
		{"MaxPool dilation", "Dilation[0] = 0", func() { kernels.MaxPool(out[:8], buf[:32], poolBad(func(p *kernels.PoolParams) { p.Dilation[0] = 0 })) }},
		{"GlobalPool", "len(src) = 10, want n*c*spatial = 1*3*4 = 12", func() { kernels.GlobalPool(out[:3], buf[:10], 1, 3, 4, false) }},
		{"GlobalPool spatial", "spatial = 0, want >= 1", func() { kernels.GlobalPool(out[:3], nil, 1, 3, 0, false) }},
		{"GemmEx a", "kernels.GemmEx: len(a) = 5, want K*M (TransA) = 3*2 = 6", func() {
			kernels.GemmEx(out[:8], buf[:5], buf[10:18], nil, kernels.GemmParams{M: 2, K: 3, N: 4, TransA: true, Alpha: 1})
		}},
		{"GemmEx c", "C is 2x3, want CRows 1 or M = 2 and CCols 1 or N = 4", func() {
			kernels.GemmEx(out[:8], buf[:6], buf[10:22], buf[30:36], kernels.GemmParams{M: 2, K: 3, N: 4, Alpha: 1, Beta: 1, CRows: 2, CCols: 3})
		}},
		{"GemmEx overlap", "y overlaps c", func() {
			kernels.GemmEx(buf[30:38], buf[:6], buf[10:22], buf[30:34], kernels.GemmParams{M: 2, K: 3, N: 4, Alpha: 1, Beta: 1, CRows: 1, CCols: 4})
		}},
		{"MatMul batch", "ABatch[0] = 2, BBatch[0] = 1, want Batch[0] = 3 or 1 each", func() {
			kernels.MatMul(out[:12], buf[:12], buf[20:26], kernels.MatMulParams{M: 2, K: 3, N: 2, Batch: ints(3), ABatch: ints(2), BBatch: ints(1)})
		}},
		{"MatMul b", "len(b) = 5, want BBatch*K*N = 1*3*2 = 6", func() {
			kernels.MatMul(out[:12], buf[:18], buf[20:25], kernels.MatMulParams{M: 2, K: 3, N: 2, Batch: ints(3), ABatch: ints(3), BBatch: ints(1)})
		}},
		{"ChannelAffine", "len(scale) = 2, want c = 3", func() { kernels.ChannelAffine(out[:6], buf[:6], buf[10:12], buf[20:23], 1, 3, 2) }},
		{"SoftmaxAxis", "len(x) = 11, want outer*axis*inner = 2*3*2 = 12", func() { kernels.SoftmaxAxis(out[:12], buf[:11], 2, 3, 2, false) }},
		{"LayerNorm bias", "len(bias) = 3, want cols (or bias = nil) = 4", func() { kernels.LayerNorm(out[:8], buf[:8], buf[10:14], buf[20:23], 2, 4, 1e-5) }},
		{"Reduce axes", "axes = [1 0], want sorted and unique", func() { kernels.Reduce(out[:3], buf[:12], kernels.ReduceSum, ints(3, 4), ints(1, 0)) }},
		{"Reduce axis range", "axes[0] = 2, want 0..1 (rank of shape 3x4)", func() { kernels.Reduce(out[:3], buf[:12], kernels.ReduceSum, ints(3, 4), ints(2)) }},
		{"Reduce dst", "len(dst) = 4, want product of the kept axes of 3x4 = 3", func() { kernels.Reduce(out[:4], buf[:12], kernels.ReduceSum, ints(3, 4), ints(1)) }},
		{"Transpose perm", "perm = [0 0], want a permutation of 0..1", func() { kernels.Transpose(out[:6], buf[:6], ints(2, 3), ints(0, 0)) }},
		{"Concat src", "len(srcs[1]) = 3, want outer*inner[1] = 2*2 = 4", func() { kernels.Concat(out[:10], [][]float32{buf[:6], buf[:3]}, 2, ints(3, 2)) }},
		{"Concat overlap", "dst overlaps srcs[0]", func() { kernels.Concat(buf[:10], [][]float32{buf[:6], buf[10:14]}, 2, ints(3, 2)) }},
		{"Pad crop too far", "axis 0: shape 3 + begin -2 + end -2 = -1, want >= 0", func() {
			kernels.Pad(out[:0], buf[:3], ints(3), ints(-2), ints(-2), kernels.PadConstant, 0)
		}},
		{"Pad reflect empty", "axis 0 is empty: reflect and edge padding need values to copy", func() {
			kernels.Pad(out[:2], nil, ints(0), ints(1), ints(1), kernels.PadReflect, 0)
		}},
		{"Slice out of range", "axis 0: reads indices 1 to 5 step 2, want within 0..4 (length 5)", func() {
			kernels.Slice(out[:3], buf[:5], ints(5), ints(1), ints(2), ints(3))
		}},
		{"Slice step 0", "steps[0] = 0, want non-zero", func() { kernels.Slice(out[:3], buf[:5], ints(5), ints(1), ints(0), ints(3)) }},
		{"Slice negative walks off", "axis 0: reads indices 1 to -3 step -2", func() {
			kernels.Slice(out[:3], buf[:5], ints(5), ints(1), ints(-2), ints(3))
		}},
		{"Expand", "xShape[1] = 2, want outShape[1] = 4 or 1 (shapes 1x2, 3x4)", func() { kernels.Expand(out[:12], buf[:2], ints(3, 4), ints(1, 2)) }},
		{"Gather index", "kernels.Gather: idx[1] = 4, want -4..3 (axis of length 4)", func() { kernels.Gather(out[:9], buf[:12], []int64{0, 4, 1}, 1, 4, 3) }},
		{"Gather negative index", "idx[0] = -5, want -4..3", func() { kernels.Gather(out[:3], buf[:12], []int64{-5}, 1, 4, 3) }},
		{"Gather huge index", "idx[0] = -9223372036854775808", func() { kernels.Gather(out[:3], buf[:12], []int64{math.MinInt64}, 1, 4, 3) }},
	} {
		se := panics(t, tt.name, tt.f)
		if se != nil && !strings.Contains(se.Error(), tt.want) {
			t.Errorf("%s: %q\nwant it to contain %q", tt.name, se.Error(), tt.want)
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
	for i, v := range big {
		if v != 0 {
			t.Fatalf("big[%d] = %v after failed calls, want 0", i, v)
		}
	}
}
