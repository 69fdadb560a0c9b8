package modules_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"

	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
)

// convLayer is one convolution of a fixture model (testdata/onnx/torch),
// square, batch 1.
type convLayer struct {
	inC, outC, group, in, k, s, pad int
	act                             kernels.ActOp
}

// fixtureLayers are the convolutions of the CNN fixtures, in order.
var fixtureLayers = map[string][]convLayer{
	"lenet": {
		{1, 6, 1, 28, 5, 1, 2, kernels.ActNone},
		{6, 16, 1, 14, 5, 1, 0, kernels.ActNone},
	},
	"cifar_cnn": {
		{3, 16, 1, 32, 3, 1, 1, kernels.ActRelu},
		{16, 32, 1, 16, 3, 1, 1, kernels.ActRelu},
		{32, 64, 1, 8, 3, 1, 1, kernels.ActRelu},
	},
	"mobilenetv2": {
		{3, 16, 1, 64, 3, 2, 1, kernels.ActClip},
		{16, 16, 16, 32, 3, 1, 1, kernels.ActClip},
		{16, 16, 1, 32, 1, 1, 0, kernels.ActNone},
		{16, 64, 1, 32, 1, 1, 0, kernels.ActClip},
		{64, 64, 64, 32, 3, 2, 1, kernels.ActClip},
		{64, 24, 1, 16, 1, 1, 0, kernels.ActNone},
		{24, 96, 1, 16, 1, 1, 0, kernels.ActClip},
		{96, 96, 96, 16, 3, 1, 1, kernels.ActClip},
		{96, 24, 1, 16, 1, 1, 0, kernels.ActNone},
		{24, 96, 1, 16, 1, 1, 0, kernels.ActClip},
		{96, 96, 96, 16, 3, 2, 1, kernels.ActClip},
		{96, 32, 1, 8, 1, 1, 0, kernels.ActNone},
		{32, 128, 1, 8, 1, 1, 0, kernels.ActClip},
		{128, 128, 128, 8, 3, 1, 1, kernels.ActClip},
		{128, 32, 1, 8, 1, 1, 0, kernels.ActNone},
		{32, 96, 1, 8, 1, 1, 0, kernels.ActHardSwish},
	},
}

func (l convLayer) params() kernels.ConvParams {
	sq := func(v int) []int { return []int{v, v} }
	out := (l.in+2*l.pad-l.k)/l.s + 1
	a := kernels.Act{Op: l.act}
	if l.act == kernels.ActClip {
		a.Beta = 6
	}
	return kernels.ConvParams{N: 1, InC: l.inC, OutC: l.outC, Group: l.group, In: sq(l.in), Out: sq(out), Kernel: sq(l.k), Stride: sq(l.s), Dilation: sq(1), Pad: sq(l.pad), Act: a}
}

// kcall is one kernel call: the export's name and its arguments.
type kcall struct {
	fn   string
	args []uint64
}

// placeLayer writes one layer's data into h and returns the kernel calls
// that package kernels' Conv makes for it in a wasip1 build.
func placeLayer(h kernelHost, L *layout, r *rand.Rand, l convLayer) []kcall {
	p := l.params()
	out := p.Out[0] * p.Out[1]
	icg := l.inC / l.group
	src, w, b := rnd(r, l.inC*l.in*l.in), rnd(r, l.outC*icg*l.k*l.k), rnd(r, l.outC)
	ps, pw, pb, pd := L.at(len(src)), L.at(len(w)), L.at(len(b)), L.at(l.outC*out)
	h.put(ps, src)
	h.put(pw, w)
	h.put(pb, b)
	var calls []kcall
	add := func(fn string, args ...uint64) { calls = append(calls, kcall{fn, args}) }
	pg := L.at(18)
	switch {
	case l.group > 1:
		h.putWords(pg, geomBlock(l.inC, p.In, p.Out, p.Kernel, p.Stride, p.Dilation, p.Pad, nil, int(p.Act.Op), p.Act.Alpha, p.Act.Beta))
		add("dwconv", uint64(pd), uint64(ps), uint64(pw), uint64(pb), uint64(pg))
		return calls
	case l.k == 1 && l.s == 1 && l.pad == 0:
		add("gemm", uint64(pd), uint64(pw), uint64(ps), uint64(pb), uint64(l.outC), uint64(l.inC), uint64(out))
	default:
		kk := icg * l.k * l.k
		pc := L.at(kk * out)
		h.putWords(pg, geomBlock(icg, p.In, p.Out, p.Kernel, p.Stride, p.Dilation, p.Pad, nil, 0, 0, 0))
		add("im2col_conv", uint64(pc), uint64(ps), uint64(pg))
		add("gemm", uint64(pd), uint64(pw), uint64(pc), uint64(pb), uint64(l.outC), uint64(kk), uint64(out))
	}
	if l.act != kernels.ActNone {
		add("act", uint64(pd), uint64(pd), uint64(l.outC*out), uint64(p.Act.Op), f32(p.Act.Alpha), f32(p.Act.Beta))
	}
	return calls
}

// jsCall is c as JavaScript on the browser harness's exports f.
func (c kcall) js() string {
	f, _ := modules.Lookup(c.fn)
	a := make([]string, len(c.args))
	for i, v := range c.args {
		a[i] = fmt.Sprint(int32(v))
		if f.Params[i] == "f32" {
			a[i] = jsFloat(math.Float32frombits(uint32(v)))
		}
	}
	return fmt.Sprintf("f[%q](%s);", c.fn, strings.Join(a, ", "))
}

// BenchmarkConvLayers times the convolutions of the CNN fixtures as the
// kernel calls package kernels' Conv makes in a browser (under wazero,
// from the host), each model's layers one after another per iteration,
// against package kernels' pure-Go Conv natively.
func BenchmarkConvLayers(b *testing.B) {
	for _, model := range []string{"lenet", "cifar_cnn", "mobilenetv2"} {
		layers := fixtureLayers[model]
		r := rand.New(rand.NewPCG(5, 5))
		var native []func()
		for _, l := range layers {
			p := l.params()
			src, w, bias := rnd(r, l.inC*l.in*l.in), rnd(r, l.outC*l.inC/l.group*l.k*l.k), rnd(r, l.outC)
			dst, scratch := make([]float32, l.outC*p.Out[0]*p.Out[1]), make([]float32, kernels.ConvScratch(p))
			native = append(native, func() { kernels.Conv(dst, src, w, bias, scratch, p) })
		}
		b.Run(model+"/native-go", func(b *testing.B) {
			c := cpuTime()
			for b.Loop() {
				for _, f := range native {
					f()
				}
			}
			b.ReportMetric(float64(cpuTime()-c)/float64(b.N), "cpu-ns/op")
		})
		for _, v := range modules.Variants {
			h := newHarness(b, v)
			if _, ok := h.mem.Grow(160); !ok {
				b.Fatal("cannot grow the memory")
			}
			L := &layout{next: 1024}
			var calls []func()
			for _, l := range layers {
				for _, c := range placeLayer(h, L, r, l) {
					f, args := h.k.ExportedFunction(c.fn), c.args
					calls = append(calls, func() {
						if _, err := f.Call(h.ctx, args...); err != nil {
							b.Fatal(err)
						}
					})
				}
			}
			b.Run(fmt.Sprintf("%s/wazero-%s", model, v), func(b *testing.B) {
				c := cpuTime()
				for b.Loop() {
					for _, f := range calls {
						f()
					}
				}
				b.ReportMetric(float64(cpuTime()-c)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// BenchmarkBrowserConvLayers times the same kernel calls in Chromium (V8),
// per model and variant: all the model's convolutions 20 times from
// JavaScript on the page's thread, timed with performance.now(). It
// reports µs per pass over the model's convolutions.
func BenchmarkBrowserConvLayers(b *testing.B) {
	ctx := browsertest.New(b, chromedp.Flag("js-flags", "--no-liftoff")) // optimised code from the first call
	browsertest.Do(b, ctx, chromedp.Navigate("about:blank"))
	for _, v := range modules.Variants {
		h := newBrowserHarness(b, ctx, v)
		browsertest.Eval[bool](b, ctx, fmt.Sprintf(`(K[%q].memory.grow(160), true)`, v)) // to 12 MiB
		for _, model := range []string{"lenet", "cifar_cnn", "mobilenetv2"} {
			r := rand.New(rand.NewPCG(5, 5))
			L := &layout{next: 1024}
			var js strings.Builder
			for _, l := range fixtureLayers[model] {
				for _, c := range placeLayer(h, L, r, l) {
					js.WriteString(c.js())
				}
			}
			b.Run(fmt.Sprintf("%s/chromium-%s", model, v), func(b *testing.B) {
				var us float64
				for b.Loop() {
					us = browsertest.Eval[float64](b, ctx, fmt.Sprintf(`(() => { const f = K[%q].f;
						%[2]s const t0 = performance.now(); for (let i = 0; i < 20; i++) { %[2]s }
						return (performance.now() - t0) * 1000 / 20; })()`, v, js.String()))
				}
				b.ReportMetric(us, "µs/pass")
			})
		}
	}
}
