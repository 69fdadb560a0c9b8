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
	if d.oh == 1 && d.ow == 1 && d.kh == d.ih && d.kw == d.iw && d.ph == 0 && d.pw == 0 && d.dh == 1 && d.dw == 1 {
		avx2GlobalPool(dst, src, d, isMax)
		return true
	}
	s2 := isMax && d.sw == 2 && d.dw == 1 && d.dh == 1 && (d.kw == 2 || d.kw == 3)
	if s2 && maxPoolS2Direct(dst, src, d) {
		return true
	}
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
	as := getScratch(ow8)
	defer scratch.Put(as)
	acc := *as
	if s2 && d.iw >= 8 && d.pw+d.iw <= pw {
		// The padding lies at the same places in every channel's plane:
		// written once, then each channel's rows copied in.
		vfill(plane, pad, padBits)
		y0, y1 := max(d.ph, 0), min(d.ph+d.ih, ph) // the plane's rows from the input
		for c := range d.c {
			out := dst[c*d.oh*d.ow : (c+1)*d.oh*d.ow]
			if y1 > y0 {
				in := src[c*d.ih*d.iw+(y0-d.ph)*d.iw : c*d.ih*d.iw+(y1-d.ph)*d.iw]
				copyRows(&plane[y0*pw+d.pw], &in[0], y1-y0, d.iw, pw)
			}
			maxPoolS2Plane(out, plane, acc, d, pw)
		}
		archsimd.ClearAVXUpperBits()
		return true
	}
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
		if s2 {
			maxPoolS2Plane(out, plane, acc, d, pw)
			continue
		}
		if ow8 <= 16 {
			// Narrow rows: one or two blocks, all taps of a block in turn.
			poolBlocks(out, plane, dv, d, pw, ow8, isMax, pad)
			continue
		}
		for oy := range d.oh {
			// Tap after tap over the whole row, into acc: each output
			// still takes its taps in goPool's order, and the loops stay
			// small enough for the compiler to keep them in registers.
			vfill(acc, pad, padBits)
			for ky := range d.kh {
				r := (oy*d.sh + ky*d.dh) * pw
				for kx := range d.kw {
					poolTap(acc, plane[r+kx*d.dw:], d.sw, isMax)
				}
			}
			if !isMax {
				vdiv(acc, dv[oy*ow8:(oy+1)*ow8])
			}
			vcopy(out[oy*d.ow:(oy+1)*d.ow], acc)
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

// poolTap folds one tap into the row of accumulators acc: acc[o] =
// max(acc[o], x[o·s]) or acc[o] + x[o·s], 8 outputs at a time (x holds
// the 8-wide loads past the row's end).
//
//go:noinline
func poolTap(acc, x []float32, s int, isMax bool) {
	switch {
	case s == 1 && isMax:
		for o := 0; o+8 <= len(acc); o += 8 {
			max8(archsimd.LoadFloat32x8Slice(acc[o:o+8]), archsimd.LoadFloat32x8Slice(x[o:o+8])).StoreSlice(acc[o : o+8])
		}
	case s == 1:
		for o := 0; o+8 <= len(acc); o += 8 {
			archsimd.LoadFloat32x8Slice(acc[o : o+8]).Add(archsimd.LoadFloat32x8Slice(x[o : o+8])).StoreSlice(acc[o : o+8])
		}
	case s == 2:
		idx := archsimd.LoadUint32x8(&evens)
		for o := 0; o+8 <= len(acc); o += 8 {
			i := 2 * o
			v := archsimd.LoadFloat32x8Slice(x[i : i+8]).Permute(idx).SetHi(archsimd.LoadFloat32x8Slice(x[i+8 : i+16]).Permute(idx).GetLo())
			a := archsimd.LoadFloat32x8Slice(acc[o : o+8])
			if isMax {
				a = max8(a, v)
			} else {
				a = a.Add(v)
			}
			a.StoreSlice(acc[o : o+8])
		}
	default:
		for o := 0; o+8 <= len(acc); o += 8 {
			v := gather8(x, o*s, s)
			a := archsimd.LoadFloat32x8Slice(acc[o : o+8])
			if isMax {
				a = max8(a, v)
			} else {
				a = a.Add(v)
			}
			a.StoreSlice(acc[o : o+8])
		}
	}
	archsimd.ClearAVXUpperBits()
}

// vdiv is acc[i] /= dv[i], 8 at a time (len(acc) is a multiple of 8).
func vdiv(acc, dv []float32) {
	dv = dv[:len(acc)]
	for o := 0; o+8 <= len(acc); o += 8 {
		archsimd.LoadFloat32x8Slice(acc[o : o+8]).Div(archsimd.LoadFloat32x8Slice(dv[o : o+8])).StoreSlice(acc[o : o+8])
	}
}

// avx2GlobalPool is goPool for a window that is the whole plane, one output
// per channel: goPool's scalar loop, four channels at a time so that
// their sums' additions overlap (each channel's own order unchanged).
// Its scalar code runs after VZEROUPPER.
func avx2GlobalPool(dst, src []float32, d geomDims, isMax bool) {
	archsimd.ClearAVXUpperBits()
	n := d.ih * d.iw
	src, dst = src[:d.c*n], dst[:d.c]
	div := float32(min(d.eh, d.kh) * min(d.ew, d.kw)) // goPool's count, with or without the padding (there is none)
	c := 0
	for ; c+4 <= d.c; c += 4 {
		x0, x1, x2, x3 := src[c*n:(c+1)*n], src[(c+1)*n:(c+2)*n], src[(c+2)*n:(c+3)*n], src[(c+3)*n:(c+4)*n]
		if isMax {
			m0, m1, m2, m3 := float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1))
			for i := range n {
				m0, m1, m2, m3 = max(m0, x0[i]), max(m1, x1[i]), max(m2, x2[i]), max(m3, x3[i])
			}
			dst[c], dst[c+1], dst[c+2], dst[c+3] = m0, m1, m2, m3
			continue
		}
		var s0, s1, s2, s3 float32
		for i := range n {
			s0, s1, s2, s3 = s0+x0[i], s1+x1[i], s2+x2[i], s3+x3[i]
		}
		dst[c], dst[c+1], dst[c+2], dst[c+3] = s0/div, s1/div, s2/div, s3/div
	}
	for ; c < d.c; c++ {
		x := src[c*n : (c+1)*n]
		m, s := float32(math.Inf(-1)), float32(0)
		for _, v := range x {
			m, s = max(m, v), s+v
		}
		if isMax {
			dst[c] = m
		} else {
			dst[c] = s / div
		}
	}
}

// poolBlocks is avx2PoolPadded's loop over the outputs of one channel
// for rows of at most 16 outputs: each block of 8 takes its taps in turn
// (a poolTap call per tap would cost more than the tap).
func poolBlocks(out, plane, dv []float32, d geomDims, pw, ow8 int, isMax bool, pad archsimd.Float32x8) {
	idx := archsimd.LoadUint32x8(&evens)
	var tmp [8]float32
	for oy := range d.oh {
		for ox := 0; ox < d.ow; ox += 8 {
			acc := pad
			for ky := range d.kh {
				r := (oy*d.sh+ky*d.dh)*pw + ox*d.sw
				for kx := range d.kw {
					i := r + kx*d.dw
					var v archsimd.Float32x8
					switch d.sw {
					case 1:
						v = archsimd.LoadFloat32x8Slice(plane[i : i+8])
					case 2:
						v = archsimd.LoadFloat32x8Slice(plane[i : i+8]).Permute(idx).SetHi(archsimd.LoadFloat32x8Slice(plane[i+8 : i+16]).Permute(idx).GetLo())
					default:
						v = gather8(plane, i, d.sw)
					}
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

// maxPoolS2Direct is the max pool of d (stride 2 across, no dilation,
// kw 2 or 3) straight from src, with no plane copied, when no window
// reaches past the input, each row's outputs fill blocks of 8 and every
// load (up to column 2·ow + 1 of a row) stays inside src. It returns
// false, having done nothing, otherwise.
func maxPoolS2Direct(dst, src []float32, d geomDims) bool {
	if d.ph != 0 || d.pw != 0 || d.ow%8 != 0 || (d.oh-1)*d.sh+d.kh > min(d.ih, d.eh) || 2*(d.ow-1)+d.kw > min(d.iw, d.ew) {
		return false
	}
	reach := 2*d.ow - 1 // the last column read of a row
	if d.kw == 3 {
		reach += 2
	}
	plane := d.ih * d.iw
	if (d.c-1)*plane+((d.oh-1)*d.sh+d.kh-1)*d.iw+reach >= len(src) || d.c*d.oh*d.ow > len(dst) {
		return false
	}
	for c := range d.c {
		maxPoolS2(&dst[c*d.oh*d.ow], &src[c*plane], d.ow, d.sh*d.iw, d.iw, d.kh, d.kw, d.ow/8, d.oh)
	}
	return true
}

// maxPoolS2 is the max pool of one plane at stride 2 across, 8 outputs
// at a time (native_avx2_pool_amd64.s): oh rows of nb·8 outputs dstep
// apart, output row r from the kh input rows at src + r·sstep, pitch
// apart, output j the columns 2j … 2j+kw−1 (kw 2 or 3). Its caller
// checks the bounds: it reads up to column 16·nb − 1 (kw 2) or 16·nb + 1
// (kw 3) of each row.
//
//go:noescape
func maxPoolS2(dst, src *float32, dstep, sstep, pitch, kh, kw, nb, oh int)

// maxPoolS2Plane is maxPoolS2 over one channel's padded plane (pitch pw,
// which holds the columns up to 2·ow8 + 1 it reads), into out directly
// when the rows fill blocks of 8, else row by row through acc (ow8
// values).
func maxPoolS2Plane(out, plane, acc []float32, d geomDims, pw int) {
	ow8 := len(acc)
	if d.ow == ow8 {
		maxPoolS2(&out[0], &plane[0], d.ow, d.sh*pw, pw, d.kh, d.kw, ow8/8, d.oh)
		return
	}
	for oy := range d.oh {
		maxPoolS2(&acc[0], &plane[oy*d.sh*pw], 0, 0, pw, d.kh, d.kw, ow8/8, 1)
		o, a := bitsOf(out[oy*d.ow:(oy+1)*d.ow]), bitsOf(acc)
		for j := range o { // not copy: memmove's SSE moves
			o[j] = a[j]
		}
	}
}

// copyRows copies n rows of w >= 8 values, w apart in src, into dst's
// rows dpitch apart (native_avx2_pool_amd64.s). Its caller checks the
// bounds.
//
//go:noescape
func copyRows(dst, src *float32, n, w, dpitch int)
