//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAVX2MaxPoolS2 checks the stride-2 max pools of kw 2 and 3
// (maxPoolS2: straight from the input, or through the padded plane
// whose padding is written once) against goPool bit for bit, on values
// where ties of ±0, NaN and −Inf are common: 1 to 3 rows, row strides 1
// to 3, padding at the start and the end (ceil mode), rows of 1 to 40
// outputs (whole blocks of 8 and not), 1 and 3 channels. The outputs
// past the last are checked untouched.
func TestAVX2MaxPoolS2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(21, 22))
	ties := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(-1)), 1, -1}
	n := 0
	for _, c := range []int{1, 3} {
		for _, ih := range []int{1, 3, 8, 16} {
			for _, iw := range []int{2, 7, 16, 17, 32, 33, 80} {
				for kh := 1; kh <= 3; kh++ {
					for kw := 2; kw <= 3; kw++ {
						for sh := 1; sh <= 3; sh++ {
							for _, pad := range [][4]int{{0, 0, 0, 0}, {0, 0, 1, 1}, {1, 1, 0, 0}, {1, 0, 1, 0}, {0, 1, 0, 1}} {
								ph, pw, eh, ew := pad[0], pad[1], ih+pad[2], iw+pad[3]
								if ph+eh < kh || pw+ew < kw {
									continue
								}
								oh, ow := (ph+eh-kh)/sh+1, (pw+ew-kw)/2+1
								g := geom{int32(c), int32(ih), int32(iw), int32(oh), int32(ow), int32(kh), int32(kw), int32(sh), 2, 1, 1,
									int32(ph), int32(pw), int32(eh), int32(ew), poolMax}
								src := make([]float32, c*ih*iw)
								for i := range src {
									src[i] = float32(r.NormFloat64())
									if r.IntN(3) == 0 {
										src[i] = ties[r.IntN(len(ties))]
									}
								}
								want, got := make([]float32, c*oh*ow+9), make([]float32, c*oh*ow+9)
								for i := range got {
									got[i], want[i] = 7, 7
								}
								goPool(want, src, &g)
								avx2Pool(got, src, &g)
								sameBits(t, fmt.Sprintf("pool %v", g), got, want)
								n++
							}
						}
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d cases", n)
	}
}
