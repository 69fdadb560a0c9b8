//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"simd/archsimd"
	"sync"
	"sync/atomic"
	"unsafe"
)

// dwLanes reports whether avx2DwConv takes the channels-in-lanes loop
// (avx2DwConvLanes): a vector activation, and either eight channels or
// more to fill the lanes or a plane too narrow to fill them along a row.
func dwLanes(d geomDims, a Act) bool {
	return d.kh*d.kw <= maxTaps && (d.c >= 8 || d.ow < 8)
}

// avx2DwConvLanes computes a depthwise convolution eight channels at a
// time, one channel per lane: the group's planes are transposed into
// position-major order (position p's eight channels at p·8), each output
// position is one 8-wide sum over the taps that lie inside the plane, and
// the sums are transposed back. Every lane of a vector is the same output
// position of another channel, so all lanes share one set of taps: a tap
// outside the plane is skipped for the whole vector, as the pure-Go loop
// skips it, with no per-lane mask and no edge blocks. Each output's sum is
// the bias, then each inside tap's rounded product in ky, kx order: the
// pure-Go loop's bits. Narrow planes (8×8, 4×4) fill all eight lanes.
//
// The outputs are sorted once per call into classes by their set of
// inside taps (the interior, each edge, each corner: at most
// (distinct row ranges) × (distinct column ranges)), and dwLanesRun
// (native_avx2_dw_amd64.s) sums a class four outputs at a time.
func avx2DwConvLanes(dst, src, w, b []float32, d geomDims, a Act) {
	taps := d.kh * d.kw
	ihw, ohw := d.ih*d.iw, d.oh*d.ow
	sp := getScratch(8 * (ihw + ohw))
	defer scratch.Put(sp)
	in8, out8 := (*sp)[:8*ihw], (*sp)[8*ihw:]
	pl := planFor(d)
	var k laneConsts
	wb := u32s(w)
	for c0 := 0; c0 < d.c; c0 += 8 {
		n := min(8, d.c-c0)
		// Lanes past the last channel repeat it: computed, never stored.
		for l := range 8 {
			ch := c0 + min(l, n-1)
			for t := range taps {
				*(*uint32)(unsafe.Pointer(&k.w[t][l])) = wb[ch*taps+t]
			}
			*(*uint32)(unsafe.Pointer(&k.bias[l])) = 0
			if b != nil {
				*(*uint32)(unsafe.Pointer(&k.bias[l])) = u32s(b)[ch]
			}
		}
		toLanes(in8, src, c0, n, ihw)
		for _, c := range pl.cls {
			if c.p1 > c.p0 {
				dwLanesRun(&out8[0], &in8[0], &k.w[0][0], &k.bias[0], pl.tapPtr(c.t0), c.t1-c.t0, &pl.pos[c.p0], c.p1-c.p0)
			}
		}
		fromLanes(dst, out8, c0, n, ohw, a)
	}
	archsimd.ClearAVXUpperBits()
}

// dwLanesRun is in native_avx2_dw_amd64.s. Its caller keeps every offset
// inside the buffers: taps inside the plane, positions inside out.
//
//go:noescape
func dwLanesRun(out, in, w, bias *float32, taps *dwTap, ntaps int, pos *dwPos, npos int)

// lanesTranspose is in native_avx2_dw_amd64.s. Its callers keep every
// block inside the buffers.
//
//go:noescape
func lanesTranspose(dst *float32, dstRow, dstBlock int, src *float32, srcRow, srcBlock int, n int)

// dwTap is one tap of a class, as byte offsets: of its weight vector in
// laneConsts.w, and of its input from the output's input base.
type dwTap struct{ w, x int }

// dwPos is one output position, as byte offsets: of its sum in the
// lanes buffer, and of its input base (the input of tap 0, 0, which may
// lie outside the plane; only the class's taps are read).
type dwPos struct{ out, in int }

// dwClass is one class of outputs: taps[t0:t1] and pos[p0:p1].
type dwClass struct{ t0, t1, p0, p1 int }

// dwPlan sorts a geometry's outputs into classes by their inside taps.
type dwPlan struct {
	taps           []dwTap
	pos            []dwPos
	cls            []dwClass
	yr, xr         []int // each row's and column's range of inside taps: lo, hi
	ycls, xcls     []int // each row's and column's distinct range
	yfirst, xfirst []int // each distinct range's first row or column
}

// plans caches the plans of the geometries met, read-only once built: a
// model's layers meet the same few on every call. maxPlans bounds it
// (past it, each call builds its own).
var (
	plans  sync.Map // geomDims → *dwPlan
	nplans atomic.Int32
)

const maxPlans = 256

func planFor(d geomDims) *dwPlan {
	if p, ok := plans.Load(d); ok {
		return p.(*dwPlan)
	}
	p := new(dwPlan)
	p.build(d)
	if nplans.Load() < maxPlans && nplans.Add(1) <= maxPlans {
		plans.Store(d, p)
	}
	return p
}

func (pl *dwPlan) tapPtr(t int) *dwTap {
	if t == len(pl.taps) {
		return nil // a class with no taps inside: the bias alone
	}
	return &pl.taps[t]
}

func (pl *dwPlan) build(d geomDims) {
	pl.yr = tapRange(pl.yr[:0], d.oh, d.kh, d.sh, d.dh, d.ph, d.ih)
	pl.xr = tapRange(pl.xr[:0], d.ow, d.kw, d.sw, d.dw, d.pw, d.iw)
	pl.ycls, pl.yfirst = rangeIndex(pl.ycls[:0], pl.yfirst[:0], pl.yr)
	pl.xcls, pl.xfirst = rangeIndex(pl.xcls[:0], pl.xfirst[:0], pl.xr)
	nx := len(pl.xfirst)
	pl.cls, pl.taps = pl.cls[:0], pl.taps[:0]
	for _, fy := range pl.yfirst {
		for _, fx := range pl.xfirst {
			t0 := len(pl.taps)
			for ky := pl.yr[2*fy]; ky < pl.yr[2*fy+1]; ky++ {
				for kx := pl.xr[2*fx]; kx < pl.xr[2*fx+1]; kx++ {
					pl.taps = append(pl.taps, dwTap{w: (ky*d.kw + kx) * 32, x: (ky*d.dh*d.iw + kx*d.dw) * 32})
				}
			}
			pl.cls = append(pl.cls, dwClass{t0: t0, t1: len(pl.taps)})
		}
	}
	// A counting sort: each class's outputs stay in order.
	for oy := range d.oh {
		for ox := range d.ow {
			pl.cls[pl.ycls[oy]*nx+pl.xcls[ox]].p1++
		}
	}
	p := 0
	for i := range pl.cls {
		n := pl.cls[i].p1
		pl.cls[i].p0, pl.cls[i].p1 = p, p
		p += n
	}
	pl.pos = append(pl.pos[:0], make([]dwPos, d.oh*d.ow)...)
	for oy := range d.oh {
		for ox := range d.ow {
			c := &pl.cls[pl.ycls[oy]*nx+pl.xcls[ox]]
			pl.pos[c.p1] = dwPos{out: (oy*d.ow + ox) * 32, in: ((oy*d.sh-d.ph)*d.iw + ox*d.sw - d.pw) * 32}
			c.p1++
		}
	}
}

// rangeIndex appends to idx, for each range of r (lo, hi pairs), the
// index of its distinct range, and to first each distinct range's first
// position.
func rangeIndex(idx, first, r []int) ([]int, []int) {
	for i := 0; i < len(r); i += 2 {
		j := 0
		for j < len(first) && (r[2*first[j]] != r[i] || r[2*first[j]+1] != r[i+1]) {
			j++
		}
		if j == len(first) {
			first = append(first, i/2)
		}
		idx = append(idx, j)
	}
	return idx, first
}

// laneConsts are avx2DwConvLanes' vectors, kept in memory and loaded
// with one AVX instruction each.
type laneConsts struct {
	w    [maxTaps][8]float32 // tap t's weight of each lane's channel
	bias [8]float32
}

// tapRange appends, for each of out outputs of a dimension, the range
// [lo, hi) of the taps whose input o·s − p + k·dil lies in [0, n) (one
// range: the input grows with the tap).
func tapRange(r []int, out, k, s, dil, p, n int) []int {
	for o := range out {
		lo, hi := 0, 0
		for t := range k {
			if i := o*s - p + t*dil; i >= 0 && i < n {
				if hi == 0 {
					lo = t
				}
				hi = t + 1
			}
		}
		r = append(r, lo, hi)
	}
	return r
}

// u32s views float32s as their bits, for moves in integer registers (no
// SSE instructions among AVX code).
func u32s(s []float32) []uint32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&s[0])), len(s))
}

// toLanes writes channels c0..c0+n−1 of src (planes of hw values) into
// in8 position-major: position p's channels at p·8 … p·8+7, lanes past n
// repeating channel c0+n−1.
func toLanes(in8, src []float32, c0, n, hw int) {
	var rows [8][]float32
	for l := range 8 {
		ch := c0 + min(l, n-1)
		rows[l] = src[ch*hw : (ch+1)*hw]
	}
	p := 0
	if n == 8 {
		p = hw &^ 7
		if p > 0 {
			lanesTranspose(&in8[0], 32, 256, &src[c0*hw], 4*hw, 32, hw/8)
		}
	}
	for ; p+8 <= hw; p += 8 {
		var r [8]archsimd.Float32x8
		for l := range 8 {
			r[l] = archsimd.LoadFloat32x8Slice(rows[l][p:])
		}
		transpose8(&r)
		for j := range 8 {
			r[j].StoreSlice(in8[(p+j)*8:])
		}
	}
	to := u32s(in8)
	for ; p < hw; p++ {
		for l := range 8 {
			to[p*8+l] = u32s(rows[l])[p]
		}
	}
}

// fromLanes is toLanes' inverse for the first n lanes, with the
// activation: position q's lane l goes to dst[(c0+l)·hw + q].
func fromLanes(dst, out8 []float32, c0, n, hw int, a Act) {
	if a.Op != ActNone {
		avx2Act(out8[:8*hw], out8[:8*hw], a)
	}
	q := 0
	if n == 8 {
		q = hw &^ 7
		if q > 0 {
			lanesTranspose(&dst[c0*hw], 4*hw, 32, &out8[0], 32, 256, hw/8)
		}
	}
	for ; q+8 <= hw; q += 8 {
		var r [8]archsimd.Float32x8
		for j := range 8 {
			r[j] = archsimd.LoadFloat32x8Slice(out8[(q+j)*8:])
		}
		transpose8(&r)
		for l := range n {
			r[l].StoreSlice(dst[(c0+l)*hw+q:])
		}
	}
	from, to := u32s(out8), u32s(dst)
	for ; q < hw; q++ {
		for l := range n {
			to[(c0+l)*hw+q] = from[q*8+l]
		}
	}
}

// transpose8 transposes the 8×8 matrix whose rows are r[0..7]: with
// VSHUFPS within each 128-bit half, then VPERM2F128 across halves.
func transpose8(r *[8]archsimd.Float32x8) {
	t0 := r[0].SelectFromPairGrouped(0, 1, 4, 5, r[1]) // r0_0 r0_1 r1_0 r1_1 | r0_4 r0_5 r1_4 r1_5
	t1 := r[0].SelectFromPairGrouped(2, 3, 6, 7, r[1])
	t2 := r[2].SelectFromPairGrouped(0, 1, 4, 5, r[3])
	t3 := r[2].SelectFromPairGrouped(2, 3, 6, 7, r[3])
	c0 := t0.SelectFromPairGrouped(0, 2, 4, 6, t2) // column 0 | column 4 of rows 0-3
	c1 := t0.SelectFromPairGrouped(1, 3, 5, 7, t2)
	c2 := t1.SelectFromPairGrouped(0, 2, 4, 6, t3)
	c3 := t1.SelectFromPairGrouped(1, 3, 5, 7, t3)
	t0 = r[4].SelectFromPairGrouped(0, 1, 4, 5, r[5])
	t1 = r[4].SelectFromPairGrouped(2, 3, 6, 7, r[5])
	t2 = r[6].SelectFromPairGrouped(0, 1, 4, 5, r[7])
	t3 = r[6].SelectFromPairGrouped(2, 3, 6, 7, r[7])
	e0 := t0.SelectFromPairGrouped(0, 2, 4, 6, t2) // column 0 | column 4 of rows 4-7
	e1 := t0.SelectFromPairGrouped(1, 3, 5, 7, t2)
	e2 := t1.SelectFromPairGrouped(0, 2, 4, 6, t3)
	e3 := t1.SelectFromPairGrouped(1, 3, 5, 7, t3)
	r[0], r[4] = c0.Select128FromPair(0, 2, e0), c0.Select128FromPair(1, 3, e0)
	r[1], r[5] = c1.Select128FromPair(0, 2, e1), c1.Select128FromPair(1, 3, e1)
	r[2], r[6] = c2.Select128FromPair(0, 2, e2), c2.Select128FromPair(1, 3, e2)
	r[3], r[7] = c3.Select128FromPair(0, 2, e3), c3.Select128FromPair(1, 3, e3)
}
