package quantref

import "math/rand/v2"

// Generate draws n calibration samples for inputs, seeded, from each
// input's range: float inputs uniform in [0, 1] when they look like images
// (N×C×H×W with 1 or 3 channels), else in [-1, 1]; integer and bool inputs
// 0 or 1. The import and the reference it keeps both draw them here, so a
// reference stores the seed, not the values.
func Generate(inputs []Tensor, n int, seed uint64) [][][]float32 {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b9))
	out := make([][][]float32, n)
	for s := range out {
		for _, t := range inputs {
			x := make([]float32, t.Len())
			image := len(t.Shape) == 4 && (t.Shape[1] == 1 || t.Shape[1] == 3)
			for i := range x {
				switch {
				case t.DType != "" && t.DType != "float32":
					x[i] = float32(r.IntN(2))
				case image:
					x[i] = r.Float32()
				default:
					x[i] = 2*r.Float32() - 1
				}
			}
			out[s] = append(out[s], x)
		}
	}
	return out
}
