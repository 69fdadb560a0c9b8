//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"simd/archsimd"
	"unsafe"
)

// directConv reports whether avx2ConvDirect computes the convolution of
// g: stride 1, no negative pad.
func directConv(g *geom) bool {
	d := g.dims()
	return d.sh == 1 && d.sw == 1 && d.ph >= 0 && d.pw >= 0 && d.c > 0 && d.kh > 0 && d.kw > 0 && d.oh > 0 && d.ow > 0
}

// directPays reports whether the direct convolution is worth it over
// im2col and the gemm: it computes the columns ox >= ow of its pitch too
// (kw−1 per row), which for narrow outputs (wake word's later 1×3 layers,
// 2 or 4 wide) is up to twice the work, while writing and packing the
// im2col matrix costs about 2/m of the gemm's time per column (measured:
// more, once the matrix is larger than L2). So: direct when the extra
// columns are at most an eighth, or the matrix is over 256 KB.
func directPays(g *geom) bool {
	d := g.dims()
	n := d.oh * d.ow
	n16 := (n + 15) / 16 * 16
	q16 := (d.oh*(d.ow+(d.kw-1)*d.dw) + 15) / 16 * 16
	return (q16-n16)*8 <= n16 || d.c*d.kh*d.kw*n > 64<<10
}

// avx2ConvDirect is avx2Im2colConv followed by avx2Gemm(dst, w, col,
// bias, m, c·kh·kw, oh·ow), bit for bit, without the im2col matrix (for
// a 3×3 kernel nine times the input, larger than L2 on the fixtures'
// first layers, and written then read once). For a stride-1
// convolution, column q = oy·P + ox of an im2col matrix whose rows are P
// = ow + (kw−1)·dw values apart is, at tap p = (ic, ky, kx), the input's
// zero-padded plane read at q + ic·plane + ky·dh·P + kx·dw. So the input
// is copied once into zero-padded planes of pitch P, and the gemm tile
// (convTile6) reads each tap's 16 columns in place from a table of
// offsets instead of a packed panel: the same products added in the same
// order, p = 0 … k−1, each rounded before its addition. The outputs
// land in a scratch matrix of pitch P (the columns ox >= ow are
// computed and dropped) and are then copied to dst, which may overlap
// src. The padding adds a·0 where im2col holds a 0: the same terms.
// Its caller checks directConv(g).
func avx2ConvDirect(dst, src, w, bias []float32, g *geom, m int) {
	d := g.dims()
	k := d.c * d.kh * d.kw
	pitch := d.ow + (d.kw-1)*d.dw
	hp := d.oh + (d.kh-1)*d.dh
	plane := hp * pitch
	q := d.oh * pitch
	q16 := (q + 15) / 16 * 16
	last := (d.c-1)*plane + (d.kh-1)*d.dh*pitch + (d.kw-1)*d.dw // the largest offset
	m6 := (m + 5) / 6 * 6
	dst, src, w = dst[:m*d.oh*d.ow], src[:d.c*d.ih*d.iw], w[:m*k]

	xs := getScratch(max(d.c*plane, q16+last))
	defer scratch.Put(xs)
	ts := getScratch(m6 * q16)
	defer scratch.Put(ts)
	sc := getScratch(k + 6*k + 6) // the offsets, a last partial tile's weights and biases
	defer scratch.Put(sc)
	xp, t := *xs, *ts
	offs := unsafe.Slice((*int32)(unsafe.Pointer(&(*sc)[0])), k)
	wtail, btail := (*sc)[k:k+6*k], (*sc)[7*k:7*k+6]
	p := 0
	for ic := range d.c {
		for ky := range d.kh {
			for kx := range d.kw {
				offs[p] = int32(4 * (ic*plane + ky*d.dh*pitch + kx*d.dw))
				p++
			}
		}
	}
	var zeros [6]float32

	for ic := range d.c {
		in := src[ic*d.ih*d.iw : (ic+1)*d.ih*d.iw]
		for y := range hp {
			row := xp[ic*plane+y*pitch : ic*plane+(y+1)*pitch]
			iy := y - d.ph
			if iy < 0 || iy >= d.ih {
				vzero(row)
				continue
			}
			l := min(d.pw, pitch)
			n := min(d.iw, pitch-l)
			vzero(row[:l])
			vcopy(row[l:l+n], in[iy*d.iw:])
			vzero(row[l+n:])
		}
	}
	vzero(xp[d.c*plane:])
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

	for j := 0; j < q16; j += 16 {
		for i := 0; i < m6; i += 6 {
			switch {
			case i+6 <= m:
				bp := &zeros[0]
				if bias != nil {
					bp = &bias[i]
				}
				convTile6(&t[i*q16+j], q16, &w[i*k], k, &xp[j], &offs[0], k, bp)
			case m-i <= 4: // the last rows: 4 (of which some zero) rather than 6
				convTile4(&t[i*q16+j], q16, &wtail[0], k, &xp[j], &offs[0], k, &btail[0])
			default:
				convTile6(&t[i*q16+j], q16, &wtail[0], k, &xp[j], &offs[0], k, &btail[0])
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

// convTile6 is gemmTile6 with row p of the panel at x + offs[p] bytes
// (native_avx2_gemm_amd64.s). Its caller checks the bounds: the pointers
// reach c + 5·ldc + 15, a + 5·lda + k − 1, x + max(offs)/4 + 15 and
// offs + k − 1.
//
//go:noescape
func convTile6(c *float32, ldc int, a *float32, lda int, x *float32, offs *int32, k int, bias *float32)

// convTile4 is convTile6 for 4 rows, c + 3·ldc + 15 and a + 3·lda + k − 1
// the furthest it reaches.
//
//go:noescape
func convTile4(c *float32, ldc int, a *float32, lda int, x *float32, offs *int32, k int, bias *float32)
