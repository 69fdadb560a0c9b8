package digitnet

import "github.com/pwagen/pwagen/kernels"

// The convolutions and dense layers run on pwagen's kernels (package
// kernels): plain Go natively, and in the browser hand-written WebAssembly,
// with 128-bit SIMD where the browser has it. Every product is rounded to
// float32 before it is added (no fused multiply-add), and Conv adds them in
// the order of a plain loop with any kernels, so its results are the same
// bits natively and in WebAssembly. So are Dense's (kernels.Gemv) natively,
// without kernels and with the scalar kernels; the SIMD kernels sum each
// row in four lanes, which rounds differently (about 1e-7 relative). The
// trainer uses these functions for its forward pass, so it sees exactly
// what the model computes natively.

// Conv is a valid (unpadded) stride-1 convolution of src (inC×h×w) with
// square kernels wt (outC×inC×k×k) and biases b (outC), into dst
// (outC×(h-k+1)×(w-k+1)). col is scratch space of at least
// ColLen(inC, h, w, k) values.
//
// It copies the input patches into col (im2col) and multiplies them by the
// weights (kernels.Conv2D). Each output starts at its bias and adds its
// products in the order (input channel, kernel row, kernel column), as
// the definition reads.
func Conv(dst, src, col []float32, inC, h, w int, wt, b []float32, outC, k int) {
	plane := (h - k + 1) * (w - k + 1)
	kernels.Conv2D(dst[:outC*plane], col[:inC*k*k*plane], src[:inC*h*w], wt, b, inC, h, w, outC, k)
}

// ColLen is the scratch space Conv needs.
func ColLen(inC, h, w, k int) int { return inC * k * k * (h - k + 1) * (w - k + 1) }

// ReLU sets the negative values of x to zero.
func ReLU(x []float32) { kernels.ReLU(x, x) }

// MaxPool2 takes the maximum of each 2×2 block of src (c×h×w, h and w even)
// into dst (c×h/2×w/2). If arg is not nil it receives, for each output, the
// index in src of the maximum (for back-propagation).
func MaxPool2(dst, src []float32, c, h, w int, arg []int32) {
	oh, ow := h/2, w/2
	for ch := range c {
		for oy := range oh {
			for ox := range ow {
				base := ch*h*w + 2*oy*w + 2*ox
				best, bi := src[base], base
				for _, j := range [3]int{base + 1, base + w, base + w + 1} {
					if src[j] > best {
						best, bi = src[j], j
					}
				}
				o := (ch*oh+oy)*ow + ox
				dst[o] = best
				if arg != nil {
					arg[o] = int32(bi)
				}
			}
		}
	}
}

// Dense computes dst = wt·src + b, with wt stored row by row
// (len(dst) rows of len(src) values): each output is the sum of its
// products, plus its bias.
func Dense(dst, src, wt, b []float32) { kernels.Gemv(dst, wt, src, b) }

// Softmax turns the logits in x into probabilities, in place, with the
// exponentials and their sum in float64.
func Softmax(x []float32) { kernels.Softmax(x) }
