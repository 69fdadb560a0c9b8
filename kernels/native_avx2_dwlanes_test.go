//go:build goexperiment.simd && amd64 && linux

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAVX2DwLanes: avx2DwConv's channels-in-lanes loop against the
// pure-Go loop, bit for bit (any NaN equals any NaN), on square planes 1
// to 16 wide, strides 1 and 2, padding 0 to 2, 3×3 and 5×5 kernels,
// full and partial groups of eight channels, MobileNetV2's ReLU6, and
// inputs, weights and biases with ±0, NaN and ±Inf among them.
func TestAVX2DwLanes(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(5, 6))
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	fill := func(s []float32, special bool) {
		for i := range s {
			s[i] = float32(r.NormFloat64())
			if special && r.IntN(8) == 0 {
				s[i] = specials[r.IntN(len(specials))]
			}
		}
	}
	clip6 := Act{Op: ActClip, Alpha: 0, Beta: 6}
	for _, c := range []int{8, 13, 16} {
		for hw := 1; hw <= 16; hw++ {
			for _, k := range []int{3, 5} {
				for s := 1; s <= 2; s++ {
					for p := 0; p <= 2; p++ {
						o := (hw+2*p-k)/s + 1
						if hw+2*p < k {
							continue
						}
						d := geomDims{c: c, ih: hw, iw: hw, oh: o, ow: o, kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1, ph: p, pw: p, eh: hw + p, ew: hw + p}
						if !dwLanes(d, clip6) {
							t.Fatalf("%+v: not the lanes loop", d)
						}
						g := geom{int32(c), int32(hw), int32(hw), int32(o), int32(o), int32(k), int32(k), int32(s), int32(s), 1, 1,
							int32(p), int32(p), int32(hw + p), int32(hw + p), int32(clip6.Op), 0, int32(math.Float32bits(6))}
						src, w, b := make([]float32, c*hw*hw), make([]float32, c*k*k), make([]float32, c)
						special := (hw+k+s+p)%2 == 0
						fill(src, special)
						fill(w, special)
						fill(b, special)
						want, got := make([]float32, c*o*o), make([]float32, c*o*o)
						goDwConv(want, src, w, b, &g)
						avx2DwConv(got, src, w, b, &g)
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
								t.Fatalf("%s: output %d is %v, want %v", fmt.Sprintf("c%d %dx%d k%d s%d p%d", c, hw, hw, k, s, p), i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestClip8: clip8 against Go's min(max(x, lo), hi) on every pair of
// special and ordinary values, bounds among them (NaN aside, lo > hi too), bit for bit
// (any NaN equals any NaN).
func TestClip8(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	negz := float32(math.Copysign(0, -1))
	vals := []float32{0, negz, 1, -1, 6, -6, 0.5, float32(math.Inf(1)), float32(math.Inf(-1)), math.SmallestNonzeroFloat32,
		-math.SmallestNonzeroFloat32, math.MaxFloat32, float32(math.NaN()), math.Float32frombits(0x7f800001), math.Float32frombits(0xffc00000)}
	for _, lo := range vals[:12] {
		for _, hi := range vals[:12] {
			x := make([]float32, len(vals)+3) // + a tail past the vector loop
			copy(x, vals)
			got := make([]float32, len(x))
			avx2Act(got, x, Act{Op: ActClip, Alpha: lo, Beta: hi})
			for i, v := range x {
				want := min(max(v, lo), hi)
				if math.Float32bits(got[i]) != math.Float32bits(want) && !(got[i] != got[i] && want != want) {
					t.Errorf("clip(%v, %v, %v) = %v (%#x), want %v (%#x)", v, lo, hi, got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
				}
			}
		}
	}
}
