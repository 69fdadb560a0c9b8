//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"math"
	"simd/archsimd"
)

// The AVX2 twins of the spatial primitives and the activations
// (prims_purego.go): 8 outputs at a time, each lane one output computed
// with the same operations in the same order as the pure-Go loop (every
// product rounded before its addition), so every output is the same bit
// for bit. Outputs whose window reaches into the padding, strides above 2
// and the last few outputs of a row take the pure-Go path.

// evens are the Permute indices that gather lanes 0, 2, 4, 6 into both
// halves.
var evens = [8]uint32{0, 2, 4, 6, 0, 2, 4, 6}

// load8 returns in[i], in[i+s], ..., in[i+7s] for s = 1 or 2; for s = 2
// it reads in[i:i+16], which the caller keeps inside in (for a row near
// the plane's end the caller takes the pure-Go path).
func load8(in []float32, i, s int) archsimd.Float32x8 {
	if s == 1 {
		return archsimd.LoadFloat32x8Slice(in[i : i+8])
	}
	idx := archsimd.LoadUint32x8(&evens)
	a := archsimd.LoadFloat32x8Slice(in[i : i+8]).Permute(idx)
	b := archsimd.LoadFloat32x8Slice(in[i+8 : i+16]).Permute(idx)
	return a.SetHi(b.GetLo())
}

// max8 and min8 are Go's max and min lane by lane: NaN if either is NaN,
// max(−0, +0) = +0 and min(−0, +0) = −0.
func max8(x, y archsimd.Float32x8) archsimd.Float32x8 {
	r := x.Merge(y, x.Greater(y))
	r = x.AsInt32x8().And(y.AsInt32x8()).AsFloat32x8().Merge(r, x.Equal(y))
	return x.Add(y).Merge(r, x.IsNaN().Or(y.IsNaN()))
}

func min8(x, y archsimd.Float32x8) archsimd.Float32x8 {
	r := x.Merge(y, x.Less(y))
	r = x.AsInt32x8().Or(y.AsInt32x8()).AsFloat32x8().Merge(r, x.Equal(y))
	return x.Add(y).Merge(r, x.IsNaN().Or(y.IsNaN()))
}

// vectorAct reports whether act8 computes op in vectors.
func vectorAct(a Act) bool {
	switch a.Op {
	case ActNone, ActRelu:
		return true
	case ActClip:
		return a.Alpha == a.Alpha && a.Beta == a.Beta
	}
	return false
}

// act8 is actOne on 8 lanes, for the ops of vectorAct.
func act8(v archsimd.Float32x8, a Act) archsimd.Float32x8 {
	switch a.Op {
	case ActRelu:
		var zero archsimd.Float32x8
		return zero.Merge(v, v.Less(zero))
	case ActClip:
		return min8(max8(v, archsimd.BroadcastFloat32x8(a.Alpha)), archsimd.BroadcastFloat32x8(a.Beta))
	}
	return v
}

func avx2Act(dst, x []float32, a Act) {
	if !vectorAct(a) {
		goAct(dst, x, a)
		return
	}
	x = x[:len(dst)]
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		act8(archsimd.LoadFloat32x8Slice(x[i:i+8]), a).StoreSlice(dst[i : i+8])
	}
	archsimd.ClearAVXUpperBits()
	for ; i < len(dst); i++ {
		dst[i] = actOne(x[i], a)
	}
}

// inner returns the outputs [lo, hi) of a dimension whose whole window
// lies inside the input: o*s - p >= 0 and o*s - p + (k-1)*d < n.
func inner(n, out, k, s, d, p int) (lo, hi int) {
	if p > 0 {
		lo = (p + s - 1) / s
	}
	last := n - 1 - (k-1)*d + p // o*s <= last
	if last < 0 {
		return 0, 0
	}
	hi = min(out, last/s+1)
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

func avx2DwConv(dst, src, w, b []float32, g *geom) {
	d := g.dims()
	if d.sw > 2 {
		goDwConv(dst, src, w, b, g)
		return
	}
	a := Act{Op: ActOp(g[gOp]), Alpha: math.Float32frombits(uint32(g[gAlpha])), Beta: math.Float32frombits(uint32(g[gBeta]))}
	vact := vectorAct(a)
	taps := d.kh * d.kw
	xlo, xhi := inner(d.iw, d.ow, d.kw, d.sw, d.dw, d.pw)
	var buf [8]float32
	for c := range d.c {
		in := src[c*d.ih*d.iw : (c+1)*d.ih*d.iw]
		out := dst[c*d.oh*d.ow : (c+1)*d.oh*d.ow]
		wc := w[c*taps : (c+1)*taps]
		bias := float32(0)
		if b != nil {
			bias = b[c]
		}
		bv := archsimd.BroadcastFloat32x8(bias)
		for oy := range d.oh {
			row := out[oy*d.ow : (oy+1)*d.ow]
			iyMax := min(d.ih-1, oy*d.sh+(d.kh-1)*d.dh-d.ph) // the last input row read
			one := func(ox int) {
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
				row[ox] = actOne(s, a)
			}
			ox := 0
			for ; ox < xlo; ox++ {
				one(ox)
			}
			for ; ox+8 <= xhi; ox += 8 {
				// The last load of 16 (stride 2) must stay inside the plane.
				if d.sw == 2 && iyMax*d.iw+ox*2-d.pw+(d.kw-1)*d.dw+16 > len(in) {
					break
				}
				acc := bv
				for ky := range d.kh {
					iy := oy*d.sh + ky*d.dh - d.ph
					if iy < 0 || iy >= d.ih {
						continue
					}
					base := iy*d.iw + ox*d.sw - d.pw
					for kx := range d.kw {
						acc = acc.Add(archsimd.BroadcastFloat32x8(wc[ky*d.kw+kx]).Mul(load8(in, base+kx*d.dw, d.sw)))
					}
				}
				if vact {
					act8(acc, a).StoreSlice(row[ox : ox+8])
				} else {
					acc.Store(&buf)
					for i, v := range buf {
						row[ox+i] = actOne(v, a)
					}
				}
			}
			archsimd.ClearAVXUpperBits()
			for ; ox < d.ow; ox++ {
				one(ox)
			}
		}
	}
}

func avx2Pool(dst, src []float32, g *geom) {
	d := g.dims()
	if d.sw > 2 {
		goPool(dst, src, g)
		return
	}
	isMax, countPad := g[gOp]&poolMax != 0, g[gOp]&poolCountPad != 0
	xlo, xhi := inner(d.iw, d.ow, d.kw, d.sw, d.dw, d.pw)
	ninf := archsimd.BroadcastFloat32x8(float32(math.Inf(-1)))
	for c := range d.c {
		in := src[c*d.ih*d.iw : (c+1)*d.ih*d.iw]
		out := dst[c*d.oh*d.ow : (c+1)*d.oh*d.ow]
		for oy := range d.oh {
			row := out[oy*d.ow : (oy+1)*d.ow]
			iyMax := min(d.ih-1, oy*d.sh+(d.kh-1)*d.dh-d.ph)
			ny := 0
			for ky := range d.kh {
				iy := oy*d.sh + ky*d.dh - d.ph
				if iy < d.eh && (countPad || iy >= 0 && iy < d.ih) {
					ny++
				}
			}
			one := func(ox int) {
				m, s, nx := float32(math.Inf(-1)), float32(0), 0
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
					row[ox] = m
				} else {
					row[ox] = s / float32(ny*nx)
				}
			}
			ox := 0
			for ; ox < xlo; ox++ {
				one(ox)
			}
			div := archsimd.BroadcastFloat32x8(float32(ny * d.kw))
			for ; ox+8 <= xhi; ox += 8 {
				if d.sw == 2 && iyMax*d.iw+ox*2-d.pw+(d.kw-1)*d.dw+16 > len(in) {
					break
				}
				var s archsimd.Float32x8
				m := ninf
				for ky := range d.kh {
					iy := oy*d.sh + ky*d.dh - d.ph
					if iy < 0 || iy >= d.ih {
						continue
					}
					base := iy*d.iw + ox*d.sw - d.pw
					for kx := range d.kw {
						v := load8(in, base+kx*d.dw, d.sw)
						if isMax {
							m = max8(m, v)
						} else {
							s = s.Add(v)
						}
					}
				}
				if isMax {
					m.StoreSlice(row[ox : ox+8])
				} else {
					s.Div(div).StoreSlice(row[ox : ox+8])
				}
			}
			archsimd.ClearAVXUpperBits()
			for ; ox < d.ow; ox++ {
				one(ox)
			}
		}
	}
}

// avx2Im2colConv is goIm2colConv with the inside of each row copied (stride
// 1) or gathered (stride 2) 8 at a time.
func avx2Im2colConv(col, src []float32, g *geom) {
	d := g.dims()
	if d.sw > 2 {
		goIm2colConv(col, src, g)
		return
	}
	q := 0
	for ic := range d.c {
		in := src[ic*d.ih*d.iw : (ic+1)*d.ih*d.iw]
		for ky := range d.kh {
			for kx := range d.kw {
				// The outputs ox whose input ox*sw + kx*dw - pw is inside.
				off := kx*d.dw - d.pw
				lo, hi := inner(d.iw, d.ow, 1, d.sw, 1, -off)
				for oy := range d.oh {
					row := col[q : q+d.ow]
					q += d.ow
					iy := oy*d.sh + ky*d.dh - d.ph
					if iy < 0 || iy >= d.ih {
						clear(row)
						continue
					}
					r := in[iy*d.iw : (iy+1)*d.iw]
					clear(row[:lo])
					clear(row[hi:])
					if lo == hi {
						// no input inside: the row was cleared
					} else if d.sw == 1 {
						copy(row[lo:hi], r[lo+off:hi+off])
					} else {
						ox := lo
						for ; ox+8 <= hi && iy*d.iw+ox*2+off+16 <= len(in); ox += 8 {
							load8(in, iy*d.iw+ox*2+off, 2).StoreSlice(row[ox : ox+8])
						}
						for ; ox < hi; ox++ {
							row[ox] = r[ox*2+off]
						}
					}
				}
			}
		}
	}
	archsimd.ClearAVXUpperBits()
}
