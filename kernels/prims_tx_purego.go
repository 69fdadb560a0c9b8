package kernels

import "math"

// The pure-Go twins of the transformer primitives (prims_tx.go): what runs
// natively and in wasm builds without kernels, written operation for
// operation as the WebAssembly kernels compute, so that they match bit for
// bit. Every float32 product is converted explicitly before an addition
// (Go may otherwise fuse a·b + c). Lengths were checked by the caller.

// sum4 is the lane-wise sum of the SIMD kernels: lane i%4 over the first
// len(x)&^3 values, (l0+l2)+(l1+l3), then the rest in order.
func sum4(x []float32) float32 {
	var l [4]float32
	n4 := len(x) &^ 3
	for i := 0; i < n4; i += 4 {
		l[0] += x[i]
		l[1] += x[i+1]
		l[2] += x[i+2]
		l[3] += x[i+3]
	}
	s := (l[0] + l[2]) + (l[1] + l[3])
	for _, v := range x[n4:] {
		s += v
	}
	return s
}

// sumSq4 is sum4 of (x[i]−m)², each square rounded.
func sumSq4(x []float32, m float32) float32 {
	var l [4]float32
	n4 := len(x) &^ 3
	sq := func(v float32) float32 { d := v - m; return float32(d * d) }
	for i := 0; i < n4; i += 4 {
		l[0] += sq(x[i])
		l[1] += sq(x[i+1])
		l[2] += sq(x[i+2])
		l[3] += sq(x[i+3])
	}
	s := (l[0] + l[2]) + (l[1] + l[3])
	for _, v := range x[n4:] {
		s += sq(v)
	}
	return s
}

func goLayerNorm(dst, x, scale, bias []float32, rows, cols int, eps float32) {
	n := float32(cols)
	for r := range rows {
		xs, d := x[r*cols:(r+1)*cols], dst[r*cols:(r+1)*cols]
		mean := sum4(xs) / n
		v := sumSq4(xs, mean)/n + eps
		inv := 1 / float32(math.Sqrt(float64(v))) // the float64 root of a float32 rounds to the correctly rounded float32 root
		for i, xv := range xs {
			y := float32(float32((xv-mean)*inv) * scale[i])
			if bias != nil {
				y += bias[i]
			}
			d[i] = y
		}
	}
}

// exp32 is the kernels' exp (see prims_tx.go).
func exp32(d float32) float32 {
	if d > txExpHi {
		return float32(math.Inf(1))
	}
	d = max(d, txExpLo) // NaN stays NaN
	k := float32(math.RoundToEven(float64(float32(d * txLog2E))))
	r := (d - float32(k*txLn2Hi)) - float32(k*txLn2Lo)
	p := float32(txC7)
	p = float32(p*r) + txC6
	p = float32(p*r) + txC5
	p = float32(p*r) + txC4
	p = float32(p*r) + txC3
	p = float32(p*r) + 0.5
	p = float32(p*r) + 1
	p = float32(p*r) + 1
	ki := int32(0) // as i32x4.trunc_sat_f32x4_s: NaN → 0
	if k == k {
		ki = int32(k)
	}
	return float32(p * math.Float32frombits(uint32(ki+127)<<23)) // converted: no fused multiply-add after inlining
}

// erf32 is the kernels' erf (see prims_tx.go).
func erf32(x float32) float32 {
	z := min(max(x, -4), 4)
	z2 := z * z
	p := float32(txA13)
	p = float32(p*z2) + txA11
	p = float32(p*z2) + txA9
	p = float32(p*z2) + txA7
	p = float32(p*z2) + txA5
	p = float32(p*z2) + txA3
	p = float32(p*z2) + txA1
	p = z * p
	q := float32(txB8)
	q = float32(q*z2) + txB6
	q = float32(q*z2) + txB4
	q = float32(q*z2) + txB2
	q = float32(q*z2) + txB0
	return p / q
}

// gelu32 is one GELU value of GeluKernel.
func gelu32(x float32, tanh bool) float32 {
	if tanh {
		inner := x + float32(txKappa*float32(float32(x*x)*x))
		return x / (1 + exp32(float32(inner*txM2C)))
	}
	e := erf32(float32(x * txRSqrt2))
	return float32(x*0.5) * (e + 1)
}

func goGelu(dst, x []float32, tanh bool) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = gelu32(v, tanh)
	}
}

func goSoftmaxRows(dst, x []float32, rows, n int) {
	var l [4]float32
	for r := range rows {
		xs, d := x[r*n:(r+1)*n], dst[r*n:(r+1)*n]
		m := xs[0]
		for _, v := range xs[1:] {
			m = max(m, v)
		}
		n4 := n &^ 3
		l = [4]float32{}
		for i := 0; i < n4; i += 4 {
			for j := range 4 {
				e := exp32(xs[i+j] - m)
				d[i+j] = e
				l[j] += e
			}
		}
		s := (l[0] + l[2]) + (l[1] + l[3])
		for i := n4; i < n; i++ {
			e := exp32(xs[i] - m)
			d[i] = e
			s += e
		}
		for i := range d {
			d[i] /= s
		}
	}
}

// goBmm is gemm over a batch: product i is a[i·sa:]·b[i·sb:] into
// c[i·m·n:], sa or sb 0 where that operand is shared.
func goBmm(c, a, b []float32, batch, m, k, n, sa, sb int) {
	for i := range batch {
		goGemm(c[i*m*n:(i+1)*m*n], a[i*sa:i*sa+m*k], b[i*sb:i*sb+k*n], nil, m, k, n)
	}
}
