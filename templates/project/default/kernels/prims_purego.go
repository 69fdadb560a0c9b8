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
	}
	return v
}
