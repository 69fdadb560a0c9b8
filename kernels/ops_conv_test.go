package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// outLen is ONNX's output length with the given end padding (floor).
func outLen(in, k, s, d, pad, padEnd int) int {
	return (in+pad+padEnd-d*(k-1)-1)/s + 1
}

// conv2 builds 2-D ConvParams; padEnd sets Out.
func conv2(n, inC, outC, g, ih, iw, kh, kw, sh, sw, dh, dw, ph, pw, peh, pew int) kernels.ConvParams {
	return kernels.ConvParams{N: n, InC: inC, OutC: outC, Group: g,
		In: []int{ih, iw}, Kernel: []int{kh, kw}, Stride: []int{sh, sw}, Dilation: []int{dh, dw}, Pad: []int{ph, pw},
		Out: []int{outLen(ih, kh, sh, dh, ph, peh), outLen(iw, kw, sw, dw, pw, pew)}}
}

func conv1(n, inC, outC, g, in, k, s, d, pad, padEnd int) kernels.ConvParams {
	return kernels.ConvParams{N: n, InC: inC, OutC: outC, Group: g,
		In: []int{in}, Kernel: []int{k}, Stride: []int{s}, Dilation: []int{d}, Pad: []int{pad},
		Out: []int{outLen(in, k, s, d, pad, padEnd)}}
}

func withAct(p kernels.ConvParams, a kernels.Act) kernels.ConvParams { p.Act = a; return p }

var convCases = []struct {
	name    string
	p       kernels.ConvParams
	bias    bool
	scratch int // ConvScratch(p)
}{
	{"3x3 pad 1", conv2(2, 3, 4, 1, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true, 3 * 9 * 30},
	{"asymmetric pads, stride 2x1", conv2(1, 2, 3, 1, 7, 6, 3, 2, 2, 1, 1, 1, 1, 0, 2, 1), true, 2 * 6 * 4 * 6},
	{"dilation 2 stride 2", conv2(1, 2, 2, 1, 9, 8, 3, 3, 2, 2, 2, 2, 2, 1, 0, 1), false, 2 * 9 * 4 * 3},
	{"groups 2", conv2(2, 4, 6, 2, 5, 5, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0), true, 2 * 9 * 9},
	{"depthwise stride 2 pad 1", conv2(2, 3, 3, 3, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1), true, 0},
	{"depthwise multiplier 2 dilation 2", conv2(1, 3, 6, 3, 8, 7, 3, 3, 1, 1, 2, 2, 2, 1, 2, 1), true, 0},
	{"depthwise 5x5 stride 2 asym", conv2(1, 4, 4, 4, 9, 10, 5, 5, 2, 2, 1, 1, 2, 1, 1, 2), false, 0},
	{"pointwise 1x1 relu", withAct(conv2(2, 5, 4, 1, 4, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0), kernels.Act{Op: kernels.ActRelu}), true, 0},
	{"pointwise grouped", conv2(1, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0), false, 0},
	{"1x1 stride 2", conv2(1, 3, 2, 1, 5, 5, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0), true, 3 * 9},
	{"1x1 with end padding", conv2(1, 2, 2, 1, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1, 2), true, 2 * 4 * 5},
	{"pad beyond kernel", conv2(1, 1, 2, 1, 3, 3, 2, 2, 1, 1, 1, 1, 3, 3, 3, 3), true, 4 * 8 * 8},
	{"kernel wider than input", conv2(1, 2, 1, 1, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true, 2 * 9 * 4},
	{"InC 1 (im2col)", conv2(1, 1, 3, 1, 6, 6, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0), true, 9 * 16},
	{"1-D", conv1(2, 2, 3, 1, 10, 3, 2, 2, 1, 1), true, 2 * 3 * 4},
	{"1-D depthwise", conv1(1, 4, 8, 4, 12, 5, 1, 1, 2, 2), true, 0},
	{"1-D grouped leaky", withAct(conv1(1, 4, 2, 2, 9, 4, 3, 1, 0, 2), kernels.Act{Op: kernels.ActLeakyRelu, Alpha: 0.1}), true, 2 * 4 * 3},
	{"1-D pointwise", conv1(1, 3, 2, 1, 7, 1, 1, 1, 0, 0), false, 0},
	{"clip (relu6)", withAct(conv2(1, 2, 3, 1, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), kernels.Act{Op: kernels.ActClip, Alpha: 0, Beta: 0.5}), true, 2 * 9 * 16},
	{"sigmoid depthwise", withAct(conv2(1, 2, 2, 2, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), kernels.Act{Op: kernels.ActSigmoid}), true, 0},
	{"no images", conv2(0, 2, 2, 1, 4, 4, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0), true, 2 * 9 * 4},
}

func TestConvMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, tt := range convCases {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			if got := kernels.ConvScratch(p); got != tt.scratch {
				t.Errorf("ConvScratch = %d, want %d", got, tt.scratch)
			}
			src := randSlice(r, p.N*p.InC*prod(p.In))
			w := randSlice(r, p.OutC*p.InC/p.Group*prod(p.Kernel))
			var b []float32
			if tt.bias {
				b = randSlice(r, p.OutC)
			}
			// Scratch longer than needed, full of garbage: must not matter.
			scratch := make([]float32, kernels.ConvScratch(p)+3)
			for i := range scratch {
				scratch[i] = float32(math.NaN())
			}
			dst := make([]float32, p.N*p.OutC*prod(p.Out))
			for i := range dst {
				dst[i] = float32(math.NaN())
			}
			kernels.Conv(dst, src, w, b, scratch, p)
			want, abs := refConvOp(src, w, b, p)
			check(t, "Conv", dst, want, abs, 1e-6)
		})
	}
}

// TestConvDepthwiseSumsInKernelOrder: the direct depthwise loop starts at
// the bias and adds the taps in kernel order, each product rounded to
// float32: the same bits as the plain float32 loop.
func TestConvDepthwiseSumsInKernelOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	p := conv2(1, 2, 4, 2, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)
	src, w, b := randSlice(r, 72), randSlice(r, 36), randSlice(r, 4)
	dst := make([]float32, 4*36)
	kernels.Conv(dst, src, w, b, nil, p)
	for oc := range 4 {
		for oy := range 6 {
			for ox := range 6 {
				s := b[oc]
				for ky := range 3 {
					for kx := range 3 {
						iy, ix := oy-1+ky, ox-1+kx
						if iy >= 0 && iy < 6 && ix >= 0 && ix < 6 {
							s += float32(w[oc*9+ky*3+kx] * src[(oc/2)*36+iy*6+ix])
						}
					}
				}
				if got := dst[oc*36+oy*6+ox]; got != s {
					t.Fatalf("[%d][%d][%d] = %v, want %v", oc, oy, ox, got, s)
				}
			}
		}
	}
}
