package kernels

import "math"

// The pure-Go kernels: what runs natively and in wasm builds without
// kernels. Lengths were checked by the caller.

func goDot(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for i, v := range x {
		s += float32(v * y[i]) // rounded: no fused multiply-add on any platform
	}
	return s
}

func goAxpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += float32(alpha * v)
	}
}

func goGemv(y, a, x, b []float32, m, n int) {
	for i := range m {
		s := float32(0)
		if b != nil {
			s = b[i]
		}
		y[i] = s + goDot(a[i*n:i*n+n], x)
	}
}

func goGemm(c, a, b, bias []float32, m, k, n int) {
	for i := range m {
		row := c[i*n : i*n+n]
		v := float32(0)
		if bias != nil {
			v = bias[i]
		}
		for j := range row {
			row[j] = v
		}
		for p := range k {
			goAxpy(a[i*k+p], b[p*n:p*n+n], row)
		}
	}
}

func goAdd(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

func goMul(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

func goReLU(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

func goIm2col(col, src []float32, inC, h, w, k int) {
	oh, ow := h-k+1, w-k+1
	plane := oh * ow
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
}

func goSoftmax(x []float32) {
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
