package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refDepthwiseQ8 is a depthwise ConvQ8 (deq: the int8 or fp16 weights
// widened, w = float32(q)·scale[oc] rounded once) in plain loops: each
// output starts at its bias and adds the taps inside the input, ky then
// kx, each product rounded; then Activate. It shares no code with the
// kernels but Activate.
func refDepthwiseQ8(src, deq, b []float32, p ConvParams) []float32 {
	d2 := len(p.In) == 2
	at := func(s []int, i int) int { // H (i = 0) or W (i = 1) of a 1-D or 2-D field
		if !d2 {
			if i == 0 {
				return 1
			}
			return s[0]
		}
		return s[i]
	}
	ih, iw, oh, ow := at(p.In, 0), at(p.In, 1), at(p.Out, 0), at(p.Out, 1)
	kh, kw, sh, sw := at(p.Kernel, 0), at(p.Kernel, 1), at(p.Stride, 0), at(p.Stride, 1)
	dh, dw := at(p.Dilation, 0), at(p.Dilation, 1)
	ph, pw := 0, p.Pad[0]
	if d2 {
		ph, pw = p.Pad[0], p.Pad[1]
	}
	mult := p.OutC / p.InC
	out := make([]float32, p.N*p.OutC*oh*ow)
	for n := range p.N {
		for oc := range p.OutC {
			plane := src[(n*p.InC+oc/mult)*ih*iw:]
			for oy := range oh {
				for ox := range ow {
					s := float32(0)
					if b != nil {
						s = b[oc]
					}
					for ky := range kh {
						for kx := range kw {
							y, x := oy*sh-ph+ky*dh, ox*sw-pw+kx*dw
							if y >= 0 && y < ih && x >= 0 && x < iw {
								s += float32(deq[(oc*kh+ky)*kw+kx] * plane[y*iw+x])
							}
						}
					}
					out[((n*p.OutC+oc)*oh+oy)*ow+ox] = s
				}
			}
		}
	}
	Activate(out, out, p.Act)
	return out
}

func dwParams(n, c, mult int, in, k, s, d, pad []int, act Act) ConvParams {
	p := ConvParams{N: n, InC: c, OutC: c * mult, Group: c, In: in, Kernel: k, Stride: s, Dilation: d, Pad: pad, Act: act}
	for i := range in {
		p.Out = append(p.Out, (in[i]+2*pad[i]-d[i]*(k[i]-1)-1)/s[i]+1)
	}
	return p
}

// TestConvQ8Depthwise: depthwise ConvQ8 and ConvF16 give the bits of the
// plain loops on the widened weights: natively, and (through
// TestPackageKernelsInWasm) in WebAssembly with the SIMD and the scalar
// kernels and without kernels. The shapes cross the tile (several tiles,
// a channel's weights filling it), the SIMD kernel's 8- and 4-wide blocks
// and its edges, strides, dilations, multipliers and the fused
// activations.
func TestConvQ8Depthwise(t *testing.T) {
	sq := func(v int) []int { return []int{v, v} }
	relu6 := Act{Op: ActClip, Alpha: 0, Beta: 6}
	cases := []struct {
		name string
		p    ConvParams
		bias bool
	}{
		{"mobilenet 3x3 pad 1 relu6", dwParams(1, 16, 1, sq(32), sq(3), sq(1), sq(1), sq(1), relu6), true},
		{"stride 2", dwParams(1, 24, 1, sq(17), sq(3), sq(2), sq(1), sq(1), Act{}), true},
		{"more channels than a tile", dwParams(2, 40, 1, []int{9, 13}, sq(3), sq(1), sq(1), sq(1), Act{Op: ActHardSwish}), true},
		{"no bias, 5x5 dilation 2", dwParams(1, 6, 1, sq(14), sq(5), sq(1), sq(2), sq(2), Act{Op: ActRelu}), false},
		{"multiplier 2", dwParams(1, 5, 2, sq(8), sq(3), sq(1), sq(1), sq(1), Act{Op: ActLeakyRelu, Alpha: 0.25}), true},
		{"stride 3 asymmetric", dwParams(1, 3, 1, []int{11, 10}, []int{3, 2}, []int{3, 1}, sq(1), []int{1, 0}, Act{}), true},
		{"1-D", dwParams(2, 4, 1, []int{21}, []int{5}, []int{1}, []int{1}, []int{2}, Act{Op: ActSigmoid}), true},
		{"a 16x16 kernel fills the tile", dwParams(1, 3, 1, sq(20), sq(16), sq(1), sq(1), sq(0), Act{}), true},
		{"one channel per tile, multiplier 4", dwParams(1, 3, 4, sq(10), sq(7), sq(1), sq(1), sq(3), Act{}), true},
		{"empty batch", dwParams(0, 4, 1, sq(5), sq(3), sq(1), sq(1), sq(1), Act{}), true},
	}
	r := rand.New(rand.NewPCG(16, 17))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			nw := p.OutC * prodInts(p.Kernel)
			q := make([]int8, nw)
			h := make([]uint16, nw)
			scale := make([]float32, p.OutC)
			for i := range scale {
				scale[i] = r.Float32() / 64
			}
			scale[0] = 0 // an all-zero channel
			dq := make([]float32, nw)
			dh := make([]float32, nw)
			ks := nw / p.OutC
			for i := range q {
				q[i] = int8(r.IntN(255) - 127)
				dq[i] = float32(float32(q[i]) * scale[i/ks])
				h[i] = uint16(r.IntN(0x7c00)) | uint16(r.IntN(2))<<15 // any finite fp16
				dh[i] = F16ToF32(h[i])
			}
			src := randSlice(r, p.N*p.InC*prodInts(p.In))
			var b []float32
			if tc.bias {
				b = randSlice(r, p.OutC)
			}
			got := make([]float32, p.N*p.OutC*prodInts(p.Out))
			ConvQ8(got, src, q, scale, b, nil, p)
			sameBits32(t, "ConvQ8 depthwise", 0, got, refDepthwiseQ8(src, dq, b, p))
			ConvF16(got, src, h, b, nil, p)
			sameBits32(t, "ConvF16 depthwise", 0, got, refDepthwiseQ8(src, dh, b, p))
			// And Conv on the widened weights (the float path the importer's
			// gate compares with).
			want := make([]float32, len(got))
			Conv(want, src, dq, b, nil, p)
			ConvQ8(got, src, q, scale, b, nil, p)
			sameBits32(t, "ConvQ8 depthwise vs Conv", 0, got, want)
		})
	}
}

// FuzzConvQ8Depthwise derives depthwise convolutions from the input: a
// call either refuses with a *ShapeError or gives the reference's bits.
func FuzzConvQ8Depthwise(f *testing.F) {
	f.Add([]byte{0, 15, 0, 30, 30, 2, 2, 0, 0, 0, 0, 1, 1, 8, 1})
	f.Add([]byte{1, 39, 1, 9, 12, 2, 2, 1, 1, 0, 0, 1, 1, 6, 0})
	f.Add([]byte{0, 4, 3, 7, 0, 6, 0, 2, 0, 1, 0, 3, 0, 2, 1})
	f.Add([]byte{0, 2, 0, 19, 19, 15, 15, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func(n int) int {
			if len(data) == 0 {
				return 0
			}
			v := int(data[0]) % n
			data = data[1:]
			return v
		}
		n, c, mult := next(3), 2+next(47), 1+next(4) // Group = InC >= 2: depthwise
		ih, iw := 1+next(32), 1+next(32)
		kh, kw := 1+next(17), 1+next(17)
		sh, sw, dh, dw := 1+next(4), 1+next(4), 1+next(3), 1+next(3)
		ph, pw := next(4), next(4)
		act := Act{Op: ActOp(next(int(ActScale) + 1)), Alpha: 0.5, Beta: 6}
		bias := next(2) == 1
		p := ConvParams{N: n, InC: c, OutC: c * mult, Group: c, In: []int{ih, iw}, Kernel: []int{kh, kw}, Stride: []int{sh, sw}, Dilation: []int{dh, dw}, Pad: []int{ph, pw}, Act: act}
		p.Out = []int{max(0, ih+2*ph-dh*(kh-1)-1)/sh + 1, max(0, iw+2*pw-dw*(kw-1)-1)/sw + 1}
		if ih+2*ph-dh*(kh-1)-1 < 0 || iw+2*pw-dw*(kw-1)-1 < 0 {
			return
		}
		r := rand.New(rand.NewPCG(uint64(c), uint64(kh*kw)))
		ks := kh * kw
		q := make([]int8, p.OutC*ks)
		scale := randSlice(r, p.OutC)
		dq := make([]float32, len(q))
		for i := range q {
			q[i] = int8(r.IntN(255) - 127)
			dq[i] = float32(float32(q[i]) * scale[i/ks])
		}
		src := randSlice(r, n*c*ih*iw)
		var b []float32
		if bias {
			b = randSlice(r, p.OutC)
		}
		got := make([]float32, n*p.OutC*p.Out[0]*p.Out[1])
		err := func() (err error) {
			defer func() {
				if e := recover(); e != nil {
					err = fmt.Errorf("%v", e)
					if _, ok := e.(*ShapeError); !ok {
						panic(e)
					}
				}
			}()
			ConvQ8(got, src, q, scale, b, nil, p)
			return nil
		}()
		if err != nil {
			if mult*ks <= DepthwiseTile {
				t.Fatalf("refused %+v: %v", p, err)
			}
			return
		}
		want := refDepthwiseQ8(src, dq, b, p)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
				t.Fatalf("%+v: [%d] = %v, want %v", p, i, got[i], want[i])
			}
		}
	})
}

// TestConvQ8Tile: ConvQ8 with ConvQ8Scratch(p) (in WebAssembly: int8
// weights widened into a tile for the float32 Gemm kernel, then the
// ActScale kernel) and with ConvScratch(p) (GemmQ8's kernel) give the
// same bits as the definition: Conv on float32(q) from 0, times the scale,
// plus the bias, then the activation; or, when all the weights fit
// DepthwiseTile (ConvQ8UsesTile: lenet's first convolution, the small
// grouped case, the 4×2×2 one), Conv on the dequantized weights float32(q)·scale
// (the old definition fails those three). Run natively and, through
// TestPackageKernelsInWasm, with the SIMD and scalar kernels.
func TestConvQ8Tile(t *testing.T) {
	sq := func(v int) []int { return []int{v, v} }
	cases := []struct {
		name string
		p    ConvParams
		bias bool
	}{
		{"lenet conv1", ConvParams{N: 1, InC: 1, OutC: 6, Group: 1, In: sq(28), Out: sq(24), Kernel: sq(5), Stride: sq(1), Dilation: sq(1), Pad: sq(0), Act: Act{Op: ActRelu}}, true},
		{"lenet conv2", ConvParams{N: 1, InC: 6, OutC: 16, Group: 1, In: sq(12), Out: sq(8), Kernel: sq(5), Stride: sq(1), Dilation: sq(1), Pad: sq(0), Act: Act{Op: ActRelu}}, true},
		{"pointwise, odd channels, no bias", ConvParams{N: 2, InC: 24, OutC: 13, Group: 1, In: sq(24), Out: sq(24), Kernel: sq(1), Stride: sq(1), Dilation: sq(1), Pad: sq(0)}, false},
		{"pointwise under 512 outputs", ConvParams{N: 1, InC: 24, OutC: 13, Group: 1, In: sq(9), Out: sq(9), Kernel: sq(1), Stride: sq(1), Dilation: sq(1), Pad: sq(0)}, false},
		{"grouped 3x3 pad 1", ConvParams{N: 1, InC: 8, OutC: 12, Group: 2, In: []int{23, 25}, Out: []int{23, 25}, Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1), Act: Act{Op: ActClip, Beta: 6}}, true},
		{"1-D, long kernel", ConvParams{N: 1, InC: 16, OutC: 20, Group: 1, In: []int{200}, Out: []int{50}, Kernel: []int{300 / 16}, Stride: []int{4}, Dilation: []int{1}, Pad: []int{7}, Act: Act{Op: ActHardSwish}}, true},
		{"small grouped, 2 images", ConvParams{N: 2, InC: 4, OutC: 6, Group: 2, In: sq(9), Out: sq(9), Kernel: sq(3), Stride: sq(1), Dilation: sq(1), Pad: sq(1), Act: Act{Op: ActRelu}}, true},
		{"under 16 outputs", ConvParams{N: 1, InC: 4, OutC: 5, Group: 1, In: sq(4), Out: sq(3), Kernel: sq(2), Stride: sq(1), Dilation: sq(1), Pad: sq(0)}, true},
	}
	r := rand.New(rand.NewPCG(18, 19))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			// The 1-D case's Out, from its other fields.
			p.Out = []int{(p.In[len(p.In)-1]+2*p.Pad[len(p.Pad)-1]-p.Kernel[len(p.Kernel)-1])/p.Stride[len(p.Stride)-1] + 1}
			if len(p.In) == 2 {
				p.Out = []int{(p.In[0]+2*p.Pad[0]-p.Kernel[0])/p.Stride[0] + 1, (p.In[1]+2*p.Pad[1]-p.Kernel[1])/p.Stride[1] + 1}
			}
			nw := p.OutC * p.InC / p.Group * prodInts(p.Kernel)
			q := make([]int8, nw)
			wf := make([]float32, nw)
			for i := range q {
				q[i] = int8(r.IntN(255) - 127)
				wf[i] = float32(q[i])
			}
			scale := randSlice(r, p.OutC)
			scale[0] = 0 // signed zeros: s·0 keeps s's sign, and so must the bias step
			src := randSlice(r, p.N*p.InC*prodInts(p.In))
			var b []float32
			if tc.bias {
				b = randSlice(r, p.OutC)
			}
			os := prodInts(p.Out)
			want := make([]float32, p.N*p.OutC*os)
			lin := p
			lin.Act = Act{}
			Conv(want, src, wf, nil, make([]float32, ConvScratch(p)), lin)
			for i := range want {
				oc := i / os % p.OutC
				v := float32(want[i] * scale[oc])
				if b != nil {
					v += b[oc]
				}
				want[i] = v
			}
			Activate(want, want, p.Act)
			small := nw <= DepthwiseTile
			if ConvQ8UsesTile(p) != small {
				t.Fatalf("ConvQ8UsesTile = %v for %d weights (DepthwiseTile %d)", !small, nw, DepthwiseTile)
			}
			if small {
				// All the weights fit the tile: Conv with them dequantized.
				deq := make([]float32, nw)
				kk := nw / p.OutC
				for i, v := range q {
					deq[i] = float32(float32(v) * scale[i/kk])
				}
				Conv(want, src, deq, b, make([]float32, ConvScratch(p)), p)
			}
			if tile := os >= 512 || small; tile != (ConvQ8Scratch(p) > ConvScratch(p)) {
				t.Fatalf("%d outputs per channel: ConvQ8Scratch %d, ConvScratch %d", os, ConvQ8Scratch(p), ConvScratch(p))
			}
			for _, n := range []int{ConvScratch(p), ConvQ8Scratch(p)} {
				got := make([]float32, len(want))
				ConvQ8(got, src, q, scale, b, make([]float32, n), p)
				sameBits32(t, fmt.Sprintf("ConvQ8 (scratch %d)", n), 0, got, want)
			}
		})
	}
}

// sameBits32 is sameF32 by bits: −0 differs from +0, NaN equals NaN.
func sameBits32(t *testing.T, fn string, i int, got, want []float32) {
	t.Helper()
	for j := range want {
		if math.Float32bits(got[j]) != math.Float32bits(want[j]) && !(got[j] != got[j] && want[j] != want[j]) {
			t.Fatalf("%s case %d: [%d] = %v (%#08x), want %v (%#08x)", fn, i, j, got[j], math.Float32bits(got[j]), want[j], math.Float32bits(want[j]))
		}
	}
}
