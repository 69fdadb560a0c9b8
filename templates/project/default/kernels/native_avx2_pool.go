//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"math"
	"simd/archsimd"
)

// avx2PoolPadded is goPool with every output in the 8-wide loop, the
// edges too: each channel's plane is first copied into a scratch plane
// with its padding written out (−Inf for a max, 0 for an average) and room
// for the loads past the last output, so no window needs a test per tap
// and no output takes the scalar path (whose scalar SSE code among the
// 256-bit code, a closure call per value, took 32% of cifar_cnn's time:
// its 2×2, ceil-mode 3×3 and global pools have narrow planes, where most
// outputs touch an edge). The padding changes no bit: max(m, −Inf) is m
// (NaN stays NaN), and s + 0 is s for every s but −0, which a sum
// starting at +0 never reaches. An average divides by the same count of
// taps per output as goPool, from a table built before the vector code.
// It returns false, having done nothing, for negative pads.
func avx2PoolPadded(dst, src []float32, g *geom) bool {
	d := g.dims()
	if d.ph < 0 || d.pw < 0 || d.c == 0 || d.oh == 0 || d.ow == 0 {
		return false
	}
	isMax, countPad := g[gOp]&poolMax != 0, g[gOp]&poolCountPad != 0
	ow8 := (d.ow + 7) / 8 * 8
	ph := (d.oh-1)*d.sh + (d.kh-1)*d.dh + 1
	pw := (ow8-8)*d.sw + (d.kw-1)*d.dw + load8Len(d.sw)
	sp := getScratch(ph * pw)
	defer scratch.Put(sp)
	plane := *sp
	var dv []float32
	if !isMax {
		// The divisors, as goPool counts the taps (scalar code, before
		// any 256-bit code).
		dp := getScratch(d.oh * ow8)
		defer scratch.Put(dp)
		dv = *dp
		for oy := range d.oh {
			ny := 0
			for ky := range d.kh {
				iy := oy*d.sh + ky*d.dh - d.ph
				if iy < d.eh && (countPad || iy >= 0 && iy < d.ih) {
					ny++
				}
			}
			for ox := range ow8 {
				nx := 0
				for kx := range d.kw {
					ix := ox*d.sw + kx*d.dw - d.pw
					if ix < d.ew && (countPad || ix >= 0 && ix < d.iw) {
						nx++
					}
				}
				if ox >= d.ow {
					nx = 1 // lanes not stored
				}
				dv[oy*ow8+ox] = float32(ny * nx)
			}
		}
	}
	padBits := uint32(0)
	if isMax {
		padBits = math.Float32bits(float32(math.Inf(-1)))
	}
	pad := archsimd.BroadcastUint32x8(padBits).AsFloat32x8()
	var tmp [8]float32
	for c := range d.c {
		in := src[c*d.ih*d.iw : (c+1)*d.ih*d.iw]
		out := dst[c*d.oh*d.ow : (c+1)*d.oh*d.ow]
		for y := range ph {
			row := plane[y*pw : (y+1)*pw]
			iy := y - d.ph
			if iy < 0 || iy >= d.ih {
				vfill(row, pad, padBits)
				continue
			}
			l := min(d.pw, pw)
			n := min(d.iw, pw-l)
			vfill(row[:l], pad, padBits)
			vcopy(row[l:l+n], in[iy*d.iw:])
			vfill(row[l+n:], pad, padBits)
		}
		for oy := range d.oh {
			for ox := 0; ox < d.ow; ox += 8 {
				acc := pad
				for ky := range d.kh {
					r := (oy*d.sh+ky*d.dh)*pw + ox*d.sw
					for kx := range d.kw {
						v := load8(plane, r+kx*d.dw, d.sw)
						if isMax {
							acc = max8(acc, v)
						} else {
							acc = acc.Add(v)
						}
					}
				}
				if !isMax {
					acc = acc.Div(archsimd.LoadFloat32x8Slice(dv[oy*ow8+ox : oy*ow8+ox+8]))
				}
				if ox+8 <= d.ow {
					acc.StoreSlice(out[oy*d.ow+ox : oy*d.ow+ox+8])
				} else {
					acc.Store(&tmp)
					t, o := bitsOf(tmp[:d.ow-ox]), bitsOf(out[oy*d.ow+ox:(oy+1)*d.ow])
					for j := range o { // not copy: memmove's SSE moves
						o[j] = t[j]
					}
				}
			}
		}
	}
	archsimd.ClearAVXUpperBits()
	return true
}

// vfill sets dst to v (whose lanes are all bits), 8 values at a time
// with AVX, the last few as integers.
func vfill(dst []float32, v archsimd.Float32x8, bits uint32) {
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		v.StoreSlice(dst[i : i+8])
	}
	if i < len(dst) {
		d := bitsOf(dst[i:])
		for j := range d {
			d[j] = bits
		}
	}
}
