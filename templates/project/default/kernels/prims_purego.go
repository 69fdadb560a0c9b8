package kernels

import "math"

// The pure-Go twins of the primitives in prims.go: what runs natively and
// in wasm builds without kernels, and the reference the WebAssembly
// kernels must match bit for bit. Lengths and parameters were checked by
// the caller.

// geomDims unpacks a geom into ints.
type geomDims struct {
	c, ih, iw, oh, ow, kh, kw, sh, sw, dh, dw, ph, pw, eh, ew int
}

func (g *geom) dims() geomDims {
	i := func(w int) int { return int(g[w]) }
	return geomDims{i(gC), i(gIH), i(gIW), i(gOH), i(gOW), i(gKH), i(gKW), i(gSH), i(gSW), i(gDH), i(gDW), i(gPH), i(gPW), i(gEH), i(gEW)}
}

func goIm2colConv(col, src []float32, g *geom) {
	d := g.dims()
	q := 0
	for ic := range d.c {
		in := src[ic*d.ih*d.iw : (ic+1)*d.ih*d.iw]
		for ky := range d.kh {
			for kx := range d.kw {
				for oy := range d.oh {
					row := col[q : q+d.ow]
					q += d.ow
					iy := oy*d.sh + ky*d.dh - d.ph
					if iy < 0 || iy >= d.ih {
						clear(row)
						continue
					}
					r := in[iy*d.iw : (iy+1)*d.iw]
					for ox := range row {
						ix := ox*d.sw + kx*d.dw - d.pw
						if ix < 0 || ix >= d.iw {
							row[ox] = 0
						} else {
							row[ox] = r[ix]
						}
					}
				}
			}
		}
	}
}

func goDwConv(dst, src, w, b []float32, g *geom) {
	d := g.dims()
	a := Act{Op: ActOp(g[gOp]), Alpha: math.Float32frombits(uint32(g[gAlpha])), Beta: math.Float32frombits(uint32(g[gBeta]))}
	taps := d.kh * d.kw
	for c := range d.c {
		in := src[c*d.ih*d.iw : (c+1)*d.ih*d.iw]
		out := dst[c*d.oh*d.ow : (c+1)*d.oh*d.ow]
		wc := w[c*taps : (c+1)*taps]
		bias := float32(0)
		if b != nil {
			bias = b[c]
		}
		for oy := range d.oh {
			for ox := range d.ow {
				s := bias
				for ky := range d.kh {
					iy := oy*d.sh + ky*d.dh - d.ph
					if iy < 0 || iy >= d.ih {
						continue
					}
					for kx := range d.kw {
						ix := ox*d.sw + kx*d.dw - d.pw
						if ix < 0 || ix >= d.iw {
							continue
						}
						s += float32(wc[ky*d.kw+kx] * in[iy*d.iw+ix])
					}
				}
				out[oy*d.ow+ox] = actOne(s, a)
			}
		}
	}
}

func goPool(dst, src []float32, g *geom) {
	d := g.dims()
	isMax, countPad := g[gOp]&poolMax != 0, g[gOp]&poolCountPad != 0
	for c := range d.c {
		in := src[c*d.ih*d.iw : (c+1)*d.ih*d.iw]
		out := dst[c*d.oh*d.ow : (c+1)*d.oh*d.ow]
		for oy := range d.oh {
			for ox := range d.ow {
				m, s, ny, nx := float32(math.Inf(-1)), float32(0), 0, 0
				for ky := range d.kh {
					iy := oy*d.sh + ky*d.dh - d.ph
					if iy < d.eh && (countPad || iy >= 0 && iy < d.ih) {
						ny++
					}
				}
				for kx := range d.kw {
					ix := ox*d.sw + kx*d.dw - d.pw
					if ix < d.ew && (countPad || ix >= 0 && ix < d.iw) {
						nx++
					}
				}
				for ky := range d.kh {
					iy := oy*d.sh + ky*d.dh - d.ph
					if iy < 0 || iy >= d.ih {
						continue
					}
					for kx := range d.kw {
						ix := ox*d.sw + kx*d.dw - d.pw
						if ix < 0 || ix >= d.iw {
							continue
						}
						v := in[iy*d.iw+ix]
						m = max(m, v)
						s += v
					}
				}
				if isMax {
					out[oy*d.ow+ox] = m
				} else {
					out[oy*d.ow+ox] = s / float32(ny*nx)
				}
			}
		}
	}
}

func goAct(dst, x []float32, a Act) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = actOne(v, a)
	}
}

// actOne is one value of ActKernel's ops (ActNone for any other).
func actOne(v float32, a Act) float32 {
	switch a.Op {
	case ActRelu:
		if v < 0 {
			v = 0
		}
	case ActLeakyRelu:
		if v < 0 {
			v = float32(a.Alpha * v)
		}
	case ActHardSigmoid:
		v = max(0, min(1, float32(a.Alpha*v)+a.Beta))
	case ActHardSwish:
		f := float64(v)
		v = float32(f * max(0, min(1, f/6+0.5)))
	case ActClip:
		v = min(max(v, a.Alpha), a.Beta)
	case ActScale:
		v = float32(a.Alpha*v) + a.Beta
	case ActSigmoid:
		v = sigmoidKernel(v)
	case ActTanh:
		v = tanhKernel(v)
	}
	return v
}

// sigmoidKernel is 1/(1+e^-x) in float64, rounded once: 1/(1+e) for x >=
// 0, else e/(1+e), with e = kexp(-|x|) (e^-104 for |x| > 104, where the
// float32 result is already 0 or 1). NaN passes through.
func sigmoidKernel(v float32) float32 {
	if v != v {
		return v
	}
	x := float64(v)
	d := -math.Abs(x)
	if d < -104 {
		d = -104
	}
	e := kexp(d)
	if x >= 0 {
		return float32(1 / (1 + e))
	}
	return float32(e / (1 + e))
}

// tanhKernel is tanh(x) in float64, rounded once, for z = |x|: below
// 0.625 Go's math.Tanh rational approximation, else 1 - 2/(e^2z+1) with z
// at most 20 (from there it is 1 in float64); the sign of x, then. NaN
// passes through.
func tanhKernel(v float32) float32 {
	if v != v {
		return v
	}
	const (
		p0, p1, p2 = -9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3
		q0, q1, q2 = 1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3
	)
	x := float64(v)
	z := math.Abs(x)
	if z < 0.625 {
		s := float64(z * z)
		num := float64(float64(float64(p0*s)+p1)*s) + p2
		den := float64(float64(float64(float64(s+q0)*s)+q1)*s) + q2
		z += float64(float64(z*s)*num) / den
	} else {
		z = 1 - 2/(kexp(2*min(z, 20))+1)
	}
	return float32(math.Copysign(z, x))
}

// kexp is e^d for |d| <= 104 (not NaN), in float64: Go's math.Exp
// algorithm (FreeBSD's e_exp.c: d = k·ln2 + r, a degree-5 rational
// correction, times 2^k) without its special cases, each product rounded
// on its own (an explicit conversion: Go may fuse x*y+z otherwise), so the
// WebAssembly kernels' $kexp gives the same bits. Within d's range 2^k is
// a normal float64: the last product is exact.
func kexp(d float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
		log2e = 1.44269504088896338700e+00
		e1    = 1.66666666666666657415e-01
		e2    = -2.77777777770155933842e-03
		e3    = 6.61375632143793436117e-05
		e4    = -1.65339022054652515390e-06
		e5    = 4.13813679705723846039e-08
	)
	ki := int32(float64(log2e*d) + math.Copysign(0.5, d))
	k := float64(ki)
	hi := d - float64(k*ln2Hi)
	lo := float64(k * ln2Lo)
	r := hi - lo
	t := float64(r * r)
	c := r - float64(t*(e1+float64(t*(e2+float64(t*(e3+float64(t*(e4+float64(t*e5)))))))))
	y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
	return y * math.Float64frombits(uint64(int64(ki)+1023)<<52)
}
