package kernels

import (
	"math"
	"testing"
)

// TestDecodeScales: code 0 is the base, each 16 codes halve it, each code
// is 2^(−1/16) of the one before within a float32 rounding, 255 is 0.
func TestDecodeScales(t *testing.T) {
	const base = float32(0.0123)
	codes := make([]byte, 256)
	for i := range codes {
		codes[i] = byte(i)
	}
	s := make([]float32, 256)
	DecodeScales(s, base, codes)
	for _, c := range []struct {
		code int
		want float32
	}{{0, base}, {16, base / 2}, {32, base / 4}, {240, base / 32768}, {255, 0}} {
		if s[c.code] != c.want {
			t.Errorf("code %d: %v, want %v", c.code, s[c.code], c.want)
		}
	}
	for i := 1; i < 255; i++ {
		r := float64(s[i]) / float64(s[i-1])
		if math.Abs(r-math.Exp2(-1.0/16)) > 1e-6 {
			t.Fatalf("code %d: %v / %v = %v, want 2^(-1/16)", i, s[i], s[i-1], r)
		}
	}
}
