package kernels

import "math"

// Compact int8 scales: the weights file stores a tensor's row scales as
// one float32, base (the largest scale), and one byte per row, c: the
// row's scale is base·2^(−c/16), a grid 4.4% apart over 2^−15.9…1, and
// c = ScaleZero for a row of zeros. DecodeScales turns them into the
// float32 scales the kernels take, the same bits on every platform (a
// product by a table entry, then by an exact power of two), at load: the
// model holds one float32 per output channel, never per weight.

// ScaleZero is the code of a row whose weights are all 0 (scale 0).
const ScaleZero = 255

// scaleSteps[k] is 2^(−k/16) rounded to float32.
var scaleSteps = [16]float32{
	1.0, 0.9576032757759094, 0.9170040488243103, 0.8781260848045349,
	0.8408964276313782, 0.8052451610565186, 0.7711054086685181, 0.7384130954742432,
	0.7071067690849304, 0.6771277785301208, 0.6484197974205017, 0.6209288835525513,
	0.5946035385131836, 0.5693942904472351, 0.5452538728713989, 0.5221368670463562,
}

// DecodeScales sets dst[i] to the scale of code codes[i] relative to
// base: base·2^(−c/16), or 0 for ScaleZero.
func DecodeScales(dst []float32, base float32, codes []byte) {
	sameLen("DecodeScales", "len(dst), len(codes)", len(dst), len(codes))
	for i, c := range codes {
		dst[i] = DecodeScale(base, c)
	}
}

// DecodeScale is one code of DecodeScales.
func DecodeScale(base float32, c byte) float32 {
	if c == ScaleZero {
		return 0
	}
	v := float32(base * scaleSteps[c&15])
	return float32(v * math.Float32frombits(uint32(127-int(c>>4))<<23))
}
