package digitnet

import "math"

// The layers below are written so that every product is rounded to float32
// before it is added (the explicit float32 conversions forbid fused
// multiply-adds). The same input therefore gives the same bits natively on
// every architecture and in WebAssembly, and the trainer, which uses these
// functions for its forward pass, sees exactly what the model computes.

// Conv is a valid (unpadded) stride-1 convolution of src (inC×h×w) with
// square kernels wt (outC×inC×k×k) and biases b (outC), into dst
// (outC×(h-k+1)×(w-k+1)). col is scratch space of ColLen(inC, h, w, k)
// values.
//
// It first copies the input patches into col (im2col) so that the inner loop
// runs along a whole output plane. Each output still adds its products in
// the order (input channel, kernel row, kernel column), as the definition
// reads.
func Conv(dst, src, col []float32, inC, h, w int, wt, b []float32, outC, k int) {
	oh, ow := h-k+1, w-k+1
	plane := oh * ow
	col = col[:inC*k*k*plane]
	for ic := range inC {
		in := src[ic*h*w : (ic+1)*h*w]
		for ky := range k {
			for kx := range k {
				c := col[((ic*k+ky)*k+kx)*plane:][:plane]
				for oy := range oh {
					copy(c[oy*ow:(oy+1)*ow], in[(oy+ky)*w+kx:])
				}
			}
		}
	}
	dst = dst[:outC*plane]
	for oc := range outC {
		d := dst[oc*plane : (oc+1)*plane]
		for i := range d {
			d[i] = b[oc]
		}
		ws := wt[oc*inC*k*k : (oc+1)*inC*k*k]
		for j, wv := range ws {
			c := col[j*plane:][:len(d)] // same length: no bounds checks below
			for i, v := range c {
				d[i] += float32(wv * v)
			}
		}
	}
}

// ColLen is the scratch space Conv needs.
func ColLen(inC, h, w, k int) int { return inC * k * k * (h - k + 1) * (w - k + 1) }

// ReLU sets the negative values of x to zero.
func ReLU(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

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
// (len(dst) rows of len(src) values).
func Dense(dst, src, wt, b []float32) {
	n := len(src)
	for o := range dst {
		row := wt[o*n:][:len(src)]
		s := b[o]
		for i, v := range src {
			s += float32(row[i] * v)
		}
		dst[o] = s
	}
}

// Softmax turns the logits in x into probabilities, in place.
func Softmax(x []float32) {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v - m))
	}
	for i, v := range x {
		x[i] = float32(math.Exp(float64(v-m)) / sum)
	}
}
