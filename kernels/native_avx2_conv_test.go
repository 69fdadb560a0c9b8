//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAVX2ConvDirect: the direct convolution against im2col followed by
// the gemm (the SIMD module's lowering of a Conv), bit for bit, on
// random geometries (strides 1 to 4, pads, dilations, 1×k and k×1 kernels, any
// number of output channels, with and without a bias), with zeros, −0,
// NaN and Inf among the values.
func TestAVX2ConvDirect(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(5, 6))
	n := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	fill := func(s []float32) {
		for i := range s {
			s[i] = float32(r.NormFloat64())
			if r.IntN(12) == 0 {
				s[i] = []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1))}[r.IntN(4)]
			}
		}
	}
	tried := 0
	for trial := range 3000 {
		c, ih, iw, m := n(1, 5), n(1, 12), n(1, 40), n(1, 20)
		kh, kw := n(1, 5), n(1, 5)
		dh, dw := n(1, 2), n(1, 2)
		ph, pw, eh, ew := n(0, 3), n(0, 3), n(0, 2), n(0, 2)
		sh, sw := 1, 1
		if trial%2 == 1 { // strided: the input split into phases
			sh, sw = n(1, 4), n(1, 4)
		}
		if ih+ph+eh < dh*(kh-1)+1 || iw+pw+ew < dw*(kw-1)+1 {
			continue
		}
		oh := (ih+ph+eh-(dh*(kh-1)+1))/sh + 1
		ow := (iw+pw+ew-(dw*(kw-1)+1))/sw + 1
		tried++
		g := geom{int32(c), int32(ih), int32(iw), int32(oh), int32(ow), int32(kh), int32(kw), int32(sh), int32(sw), int32(dh), int32(dw),
			int32(ph), int32(pw), int32(ih + eh), int32(iw + ew)}
		if !directConv(&g) {
			t.Fatalf("geometry %v: not direct", g)
		}
		k, np := c*kh*kw, oh*ow
		src, w := make([]float32, c*ih*iw), make([]float32, m*k)
		fill(src)
		fill(w)
		var bias []float32
		if trial%3 != 0 {
			bias = make([]float32, m)
			fill(bias)
		}
		col, want, got := make([]float32, k*np), make([]float32, m*np), make([]float32, m*np)
		goIm2colConv(col, src, &g)
		goGemm(want, w, col, bias, m, k, np)
		avx2ConvDirect(got, src, w, bias, &g, m)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
				t.Fatalf("conv %v, %d outputs, bias %v: output %d is %v, want %v", g, m, bias != nil, i, got[i], want[i])
			}
		}
	}
	if tried < 1000 {
		t.Fatalf("only %d geometries tried", tried)
	}
}

// TestAVX2PoolGlobal: a window over the whole plane (the global pools)
// takes avx2GlobalPool, four channels at a time; against goPool bit for
// bit, max and average, with and without counting the padding, channel
// counts around the groups of four.
func TestAVX2PoolGlobal(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range []int{1, 3, 4, 5, 8, 9} {
		for _, hw := range [][2]int{{1, 1}, {8, 8}, {3, 7}, {1, 40}} {
			for _, op := range []int32{0, poolMax, poolCountPad} {
				ih, iw := hw[0], hw[1]
				g := geom{int32(c), int32(ih), int32(iw), 1, 1, int32(ih), int32(iw), 1, 1, 1, 1, 0, 0, int32(ih), int32(iw), op}
				src := make([]float32, c*ih*iw)
				for i := range src {
					src[i] = float32(r.NormFloat64())
					if r.IntN(20) == 0 {
						src[i] = []float32{float32(math.NaN()), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}[r.IntN(3)]
					}
				}
				want, got := make([]float32, c), make([]float32, c)
				goPool(want, src, &g)
				avx2Pool(got, src, &g)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
						t.Fatalf("pool %v: output %d is %v, want %v", g, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestAVX2ConvDirectRuns: convolutions whose rows hold whole runs of 8
// outputs (ow a multiple of 8, oh·ow of 16) take the tiles that read
// two runs at their own places and write dst directly; against im2col +
// goGemm bit for bit, for 1 to 13 output channels (every size of a last
// partial tile), with and without bias, and nothing written past the
// outputs.
func TestAVX2ConvDirectRuns(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(15, 16))
	for _, g := range []geom{
		{3, 32, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 33, 33},  // cifar_cnn's first layer
		{16, 16, 16, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 17, 17}, // its second
		{32, 8, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 9, 9},       // its third
		{2, 4, 8, 2, 8, 3, 3, 1, 1, 1, 1, 0, 1, 4, 9},        // two rows of one run
		{2, 2, 24, 2, 24, 1, 1, 1, 1, 1, 1, 0, 0, 2, 24},     // 1×1, three runs a row
		{3, 9, 33, 4, 16, 3, 3, 2, 2, 1, 1, 0, 1, 9, 33},     // stride 2: the phases
		{2, 12, 20, 8, 16, 3, 3, 1, 1, 2, 2, 0, 0, 12, 20},   // dilation 2
	} {
		d := g.dims()
		if got := (d.ph+d.eh-((d.kh-1)*d.dh+1))/d.sh + 1; got != d.oh || (d.pw+d.ew-((d.kw-1)*d.dw+1))/d.sw+1 != d.ow {
			t.Fatalf("geometry %v: bad test table", g)
		}
		k, np := d.c*d.kh*d.kw, d.oh*d.ow
		for m := 1; m <= 13; m++ {
			src, w := values(r, d.c*d.ih*d.iw, true), values(r, m*k, true)
			var bias []float32
			if m%2 == 0 {
				bias = values(r, m, true)
			}
			col, want := make([]float32, k*np), make([]float32, m*np+9)
			got := make([]float32, len(want))
			for i := range got {
				got[i], want[i] = 7, 7
			}
			goIm2colConv(col, src, &g)
			goGemm(want, w, col, bias, m, k, np)
			avx2ConvDirect(got, src, w, bias, &g, m)
			sameBits(t, fmt.Sprintf("conv %v, %d outputs", g, m), got, want)
		}
	}
}
