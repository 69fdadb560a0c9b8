//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"simd/archsimd"
	"unsafe"
)

// directConv reports whether avx2ConvDirect computes the convolution of
// g: no negative pad, and offsets that fit an int32 of bytes.
func directConv(g *geom) bool {
	d := g.dims()
	if d.ph < 0 || d.pw < 0 || d.c <= 0 || d.kh <= 0 || d.kw <= 0 || d.oh <= 0 || d.ow <= 0 {
		return false
	}
	l := directLayout(d)
	return int64(d.c)*int64(d.sh*d.sw)*int64(l.plane)+int64(l.q16) < 1<<28
}

// directPays reports whether the direct convolution is worth it over
// im2col and the gemm: it computes the columns ox >= ow of its pitch too
// ((kw−1)·dw/sw per row), which for narrow outputs (wake word's later
// 1×3 layers, 2 or 4 wide) is up to twice the work, while writing and
// packing the im2col matrix was measured at more than the arithmetic
// suggests (cifar_cnn's last 3×3 layer, 8 wide: im2col 17% of the
// model's time, its extra direct columns 25% of that layer's gemm, ~3%
// of the model). So: direct when the extra columns are at most a
// quarter, or the matrix is over 256 KB.
func directPays(g *geom) bool {
	d := g.dims()
	n := d.oh * d.ow
	n16 := (n + 15) / 16 * 16
	return (directLayout(d).q16-n16)*4 <= n16 || d.c*d.kh*d.kw*n > 64<<10
}

// convLayout is the shape of avx2ConvDirect's input planes: each of the
// sh·sw phases of a channel is hp rows of pitch values.
type convLayout struct{ pitch, hp, plane, q16 int }

func directLayout(d geomDims) convLayout {
	pitch := d.ow + (d.kw-1)*d.dw/d.sw
	hp := d.oh + (d.kh-1)*d.dh/d.sh
	return convLayout{pitch, hp, hp * pitch, (d.oh*pitch + 15) / 16 * 16}
}

// avx2ConvDirect is avx2Im2colConv followed by avx2Gemm(dst, w, col,
// bias, m, c·kh·kw, oh·ow), bit for bit, without the im2col matrix (for
// a 3×3 kernel nine times the input, larger than L2 on the fixtures'
// first layers, and written then read once). The zero-padded input is
// split once into its sh·sw phases (row y, column x of the padded
// input go to phase (y mod sh, x mod sw) at (y/sh, x/sw): for stride 1
// one phase, the padded plane itself), each hp rows of P = ow +
// (kw−1)·dw/sw values. Then column q = oy·P + ox of the im2col matrix is,
// at tap p = (ic, ky, kx), phase ((ky·dh) mod sh, (kx·dw) mod sw) of
// channel ic read at q + (ky·dh/sh)·P + kx·dw/sw: one offset per tap.
// The gemm tile (convTile6) reads each tap's 16 columns in place from
// the table of offsets instead of a packed panel: the same products
// added in the same order, p = 0 … k−1, each rounded before its
// addition. When every run of 8 outputs lies in one row (ow a multiple
// of 8, oh·ow of 16), a tile's 16 columns are two such runs, each read at
// its own place, and its rows go straight to dst (the rows past m of a
// last partial tile through scratch). Otherwise the outputs land in a
// scratch matrix of pitch P (the columns ox >= ow are computed and
// dropped: cifar_cnn's 8-wide last layer computed 10 columns a row) and
// are then copied to dst. dst may overlap src: the tiles read the copy. The padding adds a·0 where im2col holds a 0: the same
// terms. Its caller checks directConv(g).
func avx2ConvDirect(dst, src, w, bias []float32, g *geom, m int) {
	d := g.dims()
	k := d.c * d.kh * d.kw
	l := directLayout(d)
	pitch, hp, plane, q16 := l.pitch, l.hp, l.plane, l.q16
	phases := d.sh * d.sw
	chan_ := phases * plane // one channel's phases
	m6 := (m + 5) / 6 * 6
	p, last := 0, 0
	sc := getScratch(k + 6*k + 6) // the offsets, a last partial tile's weights and biases
	defer scratch.Put(sc)
	offs := unsafe.Slice((*int32)(unsafe.Pointer(&(*sc)[0])), k)
	wtail, btail := (*sc)[k:k+6*k], (*sc)[7*k:7*k+6]
	for ic := range d.c {
		for ky := range d.kh {
			for kx := range d.kw {
				y, x := ky*d.dh, kx*d.dw
				o := ic*chan_ + y*pitch + x // stride 1: no divisions (~460 a call in cifar_cnn)
				if phases > 1 {
					o = ic*chan_ + ((y%d.sh)*d.sw+x%d.sw)*plane + (y/d.sh)*pitch + x/d.sw
				}
				offs[p] = int32(4 * o)
				last = max(last, o)
				p++
			}
		}
	}
	dst, src, w = dst[:m*d.oh*d.ow], src[:d.c*d.ih*d.iw], w[:m*k]

	xs := getScratch(max(d.c*chan_, q16+last))
	defer scratch.Put(xs)
	ts := getScratch(m6 * q16)
	defer scratch.Put(ts)
	xp, t := *xs, *ts
	var zeros [6]float32

	if r0, r1 := min(d.ph, hp), min(d.ph+d.ih, hp); d.sh == 1 && d.sw == 1 && d.iw >= 8 && d.pw+d.iw <= pitch {
		// Stride 1: one phase, the padded plane. Zeroed whole, then each
		// channel's rows copied in (a loop per row took ~10% of
		// cifar_cnn's time).
		vzero(xp)
		for ic := range d.c {
			if r1 > r0 {
				copyRows(&xp[ic*chan_+r0*pitch+d.pw], &src[ic*d.ih*d.iw+(r0-d.ph)*d.iw], r1-r0, d.iw, pitch)
			}
		}
	} else {
		avx2ConvPhases(xp, src, d, l)
	}
	vzero(xp[d.c*chan_:])
	if m6 > m {
		r := m6 - 6
		vzero(wtail)
		vcopy(wtail[:(m-r)*k], w[r*k:])
		tb := bitsOf(btail)
		for i := range tb {
			tb[i] = 0
		}
		if bias != nil {
			bb := bitsOf(bias[r:m])
			for i := range bb {
				tb[i] = bb[i]
			}
		}
	}

	bp := func(i int) *float32 {
		if bias == nil {
			return &zeros[0]
		}
		return &bias[i]
	}
	if q := d.oh * d.ow; d.ow%8 == 0 && q%16 == 0 {
		// Each 8 outputs lie in one row: a tile's 16 columns are two
		// runs of 8 outputs, read at their own places in the planes and
		// written straight into dst (no columns past ow computed, no
		// copy). The rows past m of the last tile go to t.
		r8 := d.ow / 8
		at := func(v int) int { return (v/r8)*pitch + v%r8*8 } // run v's first column in the planes
		for v := 0; v < q/8; v += 2 {
			x0, x1 := &xp[at(v)], &xp[at(v+1)]
			for i := 0; i < m6; i += 6 {
				switch {
				case i+6 <= m:
					convTile6(&dst[i*q+8*v], q, &w[i*k], k, x0, x1, &offs[0], k, bp(i))
				case m-i <= 4:
					convTile4(&t[8*v], q, &wtail[0], k, x0, x1, &offs[0], k, &btail[0])
				default:
					convTile6(&t[8*v], q, &wtail[0], k, x0, x1, &offs[0], k, &btail[0])
				}
			}
		}
		if m6 > m {
			vcopy(dst[(m6-6)*q:m*q], t)
		}
		archsimd.ClearAVXUpperBits()
		return
	}
	for j := 0; j < q16; j += 16 {
		for i := 0; i < m6; i += 6 {
			switch {
			case i+6 <= m:
				convTile6(&t[i*q16+j], q16, &w[i*k], k, &xp[j], &xp[j+8], &offs[0], k, bp(i))
			case m-i <= 4: // the last rows: 4 (of which some zero) rather than 6
				convTile4(&t[i*q16+j], q16, &wtail[0], k, &xp[j], &xp[j+8], &offs[0], k, &btail[0])
			default:
				convTile6(&t[i*q16+j], q16, &wtail[0], k, &xp[j], &xp[j+8], &offs[0], k, &btail[0])
			}
		}
	}

	for oc := range m {
		for oy := range d.oh {
			o := (oc*d.oh + oy) * d.ow
			vcopy(dst[o:o+d.ow], t[oc*q16+oy*pitch:])
		}
	}
	archsimd.ClearAVXUpperBits()
}

// convTile6 is gemmTile6 with row p of the panel the 8 values at x +
// offs[p] bytes then the 8 at x1 + offs[p] (native_avx2_gemm_amd64.s).
// Its caller checks the bounds: the pointers reach c + 5·ldc + 15, a +
// 5·lda + k − 1, x + max(offs)/4 + 7, x1 + max(offs)/4 + 7 and offs + k − 1.
//
//go:noescape
func convTile6(c *float32, ldc int, a *float32, lda int, x, x1 *float32, offs *int32, k int, bias *float32)

// convTile4 is convTile6 for 4 rows, c + 3·ldc + 15 and a + 3·lda + k − 1
// the furthest it reaches.
//
//go:noescape
func convTile4(c *float32, ldc int, a *float32, lda int, x, x1 *float32, offs *int32, k int, bias *float32)

// avx2ConvPhases copies the input src into xp as avx2ConvDirect's
// zero-padded planes, each channel's sh·sw phases of l.hp rows of
// l.pitch values.
func avx2ConvPhases(xp, src []float32, d geomDims, l convLayout) {
	pitch, hp, plane := l.pitch, l.hp, l.plane
	chan_ := d.sh * d.sw * plane
	for ic := range d.c {
		in := src[ic*d.ih*d.iw : (ic+1)*d.ih*d.iw]
		for ry := range d.sh {
			for rx := range d.sw {
				ph := xp[ic*chan_+(ry*d.sw+rx)*plane : ic*chan_+(ry*d.sw+rx+1)*plane]
				for r := range hp {
					row := ph[r*pitch : (r+1)*pitch]
					iy := r*d.sh + ry - d.ph
					if iy < 0 || iy >= d.ih {
						vzero(row)
						continue
					}
					if d.sw == 1 {
						l := min(d.pw, pitch)
						n := min(d.iw, pitch-l)
						vzero(row[:l])
						vcopy(row[l:l+n], in[iy*d.iw:])
						vzero(row[l+n:])
						continue
					}
					// Column c of the phase is input column c·sw + rx − pw:
					// moved as integers (a float32 through Go's scalar code
					// takes SSE instructions among the 256-bit code).
					rb, ib := bitsOf(row), bitsOf(in[iy*d.iw:(iy+1)*d.iw])
					for c := range rb {
						ix := c*d.sw + rx - d.pw
						v := uint32(0)
						if ix >= 0 && ix < d.iw {
							v = ib[ix]
						}
						rb[c] = v
					}
				}
			}
		}
	}
}
