//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"math"
	"simd/archsimd"
	"sync"
	"unsafe"
)

// The AVX2 twins of the spatial primitives and the activations
// (prims_purego.go): 8 outputs at a time, each lane one output computed
// with the same operations in the same order as the pure-Go loop (every
// product rounded before its addition), so every output is the same bit
// for bit. Outputs whose window reaches into the padding and the last
// few outputs of a row take the pure-Go path.

// evens are the Permute indices that gather lanes 0, 2, 4, 6 into both
// halves.
var evens = [8]uint32{0, 2, 4, 6, 0, 2, 4, 6}

// load8 returns in[i], in[i+s], ..., in[i+7s]. For s = 1 one load; for
// s = 2 it reads in[i:i+16] (two loads and permutes), which the caller
// keeps inside in (for a row near the plane's end the caller takes the
// pure-Go path); for larger s it gathers the 8 values with integer loads
// into the lanes (VPINSRD), reading only in[i+l·s] (gather8).
//
// load8 is small enough to be inlined into the big kernels (stride 1 is a
// plain load there); the strided loads are calls.
func load8(in []float32, i, s int) archsimd.Float32x8 {
	if s == 1 {
		return archsimd.LoadFloat32x8Slice(in[i : i+8])
	}
	return load8s(in, i, s)
}

// load8s is load8 for s >= 2.
//
//go:noinline
func load8s(in []float32, i, s int) archsimd.Float32x8 {
	if s > 2 {
		return gather8(in, i, s)
	}
	idx := archsimd.LoadUint32x8(&evens)
	a := archsimd.LoadFloat32x8Slice(in[i : i+8]).Permute(idx)
	b := archsimd.LoadFloat32x8Slice(in[i+8 : i+16]).Permute(idx)
	return a.SetHi(b.GetLo())
}

// load8Len is how many values from i load8 reads with stride s.
func load8Len(s int) int {
	switch s {
	case 1:
		return 8
	case 2:
		return 16
	}
	return 7*s + 1
}

// gather8 is in[i], in[i+s], ..., in[i+7s] as integer loads inserted
// lane by lane (AVX instructions only: a float32 moved through Go's
// scalar code would take SSE instructions, tens of cycles each among
// 256-bit code).
func gather8(in []float32, i, s int) archsimd.Float32x8 {
	_ = in[i+7*s]
	p := unsafe.Pointer(&in[i])
	st := uintptr(s) * 4
	at := func(l uintptr) int32 { return *(*int32)(unsafe.Add(p, l*st)) }
	var lo, hi archsimd.Int32x4
	lo = lo.SetElem(0, at(0)).SetElem(1, at(1)).SetElem(2, at(2)).SetElem(3, at(3))
	hi = hi.SetElem(0, at(4)).SetElem(1, at(5)).SetElem(2, at(6)).SetElem(3, at(7))
	var r archsimd.Int32x8
	return r.SetLo(lo).SetHi(hi).AsFloat32x8()
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

// clip8 is min(max(x, lo), hi) lane by lane, as Go computes it, for
// bounds that are not NaN: VMAXPS and VMINPS return their second operand
// x when it is NaN, and on equal values (±0 against ∓0) the bits are
// and-ed (max: +0) or or-ed (min: −0). Eight instructions where
// min8(max8(…)) takes twenty.
func clip8(x, lo, hi archsimd.Float32x8) archsimd.Float32x8 {
	v := lo.Max(x)
	v = lo.AsInt32x8().And(x.AsInt32x8()).AsFloat32x8().Merge(v, x.Equal(lo))
	r := hi.Min(v)
	return hi.AsInt32x8().Or(v.AsInt32x8()).AsFloat32x8().Merge(r, v.Equal(hi))
}

// vectorAct reports whether the vector loops compute a: ReLU, and Clip
// with bounds that are not NaN (the others run actOne on each value).
func vectorAct(a Act) bool {
	switch a.Op {
	case ActNone, ActRelu:
		return true
	case ActClip:
		return a.Alpha == a.Alpha && a.Beta == a.Beta
	}
	return false
}

func avx2Act(dst, x []float32, a Act) {
	switch a.Op {
	case ActTanh, ActSigmoid:
		avx2ActF64(dst, x, a.Op)
		return
	case ActLeakyRelu:
		avx2LeakyRelu(dst, x, a.Alpha)
		return
	}
	if !vectorAct(a) {
		goAct(dst, x, a)
		return
	}
	x = x[:len(dst)]
	i := 0
	switch a.Op {
	case ActNone:
		copy(dst, x)
		return
	case ActRelu:
		var zero archsimd.Float32x8
		for ; i+8 <= len(dst); i += 8 {
			v := archsimd.LoadFloat32x8Slice(x[i : i+8])
			zero.Merge(v, v.Less(zero)).StoreSlice(dst[i : i+8])
		}
	case ActClip:
		lo, hi := archsimd.BroadcastFloat32x8(a.Alpha), archsimd.BroadcastFloat32x8(a.Beta)
		for ; i+8 <= len(dst); i += 8 {
			clip8(archsimd.LoadFloat32x8Slice(x[i:i+8]), lo, hi).StoreSlice(dst[i : i+8])
		}
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

// scratch holds the padded planes of avx2DwConv: Go memory, reused.
var scratch = sync.Pool{New: func() any { return new([]float32) }}

func getScratch(n int) *[]float32 {
	b := scratch.Get().(*[]float32)
	if cap(*b) < n {
		*b = make([]float32, n)
	}
	*b = (*b)[:n]
	return b
}

// avx2DwConv takes the channels-in-lanes loop (avx2DwConvLanes) for eight
// channels or more, or planes narrower than 8. Otherwise (a few wide
// channels) it computes each output row 8 outputs at a time, the last block
// too (its extra lanes are not stored). Each channel's plane is first
// copied into a zeroed scratch plane with its padding rows and columns
// and room for the loads past the last output, so every load lies inside
// the buffer and every row takes the same vector loop. For stride S > 1
// each padded row is then split once into its S column phases (column
// c goes to phase c mod S at c / S: one permute pass for S = 2), so
// output ox's tap kx is a plain 8-wide load at phase (kx·DW) mod S,
// index ox + (kx·DW) / S. In the blocks that reach into the padding a
// mask per tap keeps the sum of the lanes whose input is outside, as the
// pure-Go loop skips that tap.
func avx2DwConv(dst, src, w, b []float32, g *geom) {
	d := g.dims()
	taps := d.kh * d.kw
	a := Act{Op: ActOp(g[gOp]), Alpha: math.Float32frombits(uint32(g[gAlpha])), Beta: math.Float32frombits(uint32(g[gBeta]))}
	if dwLanes(d, a) {
		avx2DwConvLanes(dst, src, w, b, d, a)
		return
	}
	if taps > maxTaps || d.ow < 8 && d.oh*d.ow < 8 {
		goDwConv(dst, src, w, b, g)
		return
	}
	xlo, xhi := inner(d.iw, d.ow, d.kw, d.sw, d.dw, d.pw)
	owp := (d.ow + 7) &^ 7
	s := d.sw
	// Each phase row holds half values: the last block's loads end
	// before owp + (KW−1)·DW/S.
	half := (max((d.pw+d.iw+s-1)/s, owp+(d.kw-1)*d.dw/s) + 7) &^ 7
	pitch := s * half
	rows := max(d.ph+d.ih, (d.oh-1)*d.sh+(d.kh-1)*d.dh+1)
	n := rows * pitch
	if s > 1 {
		n *= 2
	}
	sp := getScratch(n)
	defer scratch.Put(sp)
	clear(*sp) // the padding: zeros, never written below
	stage := (*sp)[:rows*pitch]
	buf := stage
	if s > 1 {
		buf = (*sp)[rows*pitch:]
	}
	// Every vector constant is made once, outside the loops: making one
	// from a scalar takes SSE instructions, which on some CPUs cost tens
	// of cycles each among AVX code.
	var k vconsts
	k.init(d, a)
	for ky := range d.kh {
		for kx := range d.kw {
			o := kx * d.dw
			k.tapOff[ky*d.kw+kx] = ky*d.dh*pitch + o%s*half + o/s
		}
	}
	var tmp [8]float32
	// Blocks go four at a time (masked per tap next to the padding):
	// each output's sum is one chain of additions in a fixed order,
	// so only independent blocks in flight hide the adder's latency. The
	// closure is made once: making it copies its variables with SSE moves.
	// Of each pending block: its output index, the buffer index of its
	// first tap's input, its column and row, how many lanes are stored.
	var quad, qbase, qx, qy, qn [4]int
	nq := 0
	var out []float32
	var bv archsimd.Float32x8
	store := func(v archsimd.Float32x8, i int) {
		v = k.act(v)
		if qn[i] == 8 {
			v.StoreSlice(out[quad[i] : quad[i]+8])
		} else {
			v.StoreSlicePart(out[quad[i] : quad[i]+qn[i]])
		}
	}
	flush := func() {
		if nq == 0 {
			return
		}
		for i := nq; i < 4; i++ { // computed again, not stored
			qbase[i], qx[i], qy[i] = qbase[0], qx[0], qy[0]
		}
		base0, base1, base2, base3 := qbase[0], qbase[1], qbase[2], qbase[3]
		a0, a1, a2, a3 := bv, bv, bv, bv
		xin := func(ox int) bool { return ox >= xlo && ox+8 <= xhi }
		yin := func(oy int) bool { return oy*d.sh-d.ph >= 0 && oy*d.sh-d.ph+(d.kh-1)*d.dh < d.ih }
		x0 := k.laneX.Add(archsimd.LoadInt32x8(&k.start[qx[0]/8]))
		x1 := k.laneX.Add(archsimd.LoadInt32x8(&k.start[qx[1]/8]))
		x2 := k.laneX.Add(archsimd.LoadInt32x8(&k.start[qx[2]/8]))
		x3 := k.laneX.Add(archsimd.LoadInt32x8(&k.start[qx[3]/8]))
		if !yin(qy[0]) || !yin(qy[1]) || !yin(qy[2]) || !yin(qy[3]) {
			// Blocks next to the padding rows: per tap, the lanes whose
			// input lies outside the plane keep their sum, as in the
			// one-block loop below, four blocks in flight.
			t := 0
			for ky := range d.kh {
				kyo := archsimd.LoadInt32x8(&k.kyOff[ky])
				y0 := archsimd.LoadInt32x8(&k.ystart[qy[0]]).Add(kyo)
				y1 := archsimd.LoadInt32x8(&k.ystart[qy[1]]).Add(kyo)
				y2 := archsimd.LoadInt32x8(&k.ystart[qy[2]]).Add(kyo)
				y3 := archsimd.LoadInt32x8(&k.ystart[qy[3]]).Add(kyo)
				m0 := y0.Greater(k.neg1).And(k.ih.Greater(y0))
				m1 := y1.Greater(k.neg1).And(k.ih.Greater(y1))
				m2 := y2.Greater(k.neg1).And(k.ih.Greater(y2))
				m3 := y3.Greater(k.neg1).And(k.ih.Greater(y3))
				for kx := range d.kw {
					wv := archsimd.LoadFloat32x8(&k.w[t])
					off := k.tapOff[t]
					t++
					kxo := archsimd.LoadInt32x8(&k.kxOff[kx])
					i0, i1, i2, i3 := x0.Add(kxo), x1.Add(kxo), x2.Add(kxo), x3.Add(kxo)
					a0 = a0.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base0+off:]))).Merge(a0, i0.Greater(k.neg1).And(k.iw.Greater(i0)).And(m0))
					a1 = a1.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base1+off:]))).Merge(a1, i1.Greater(k.neg1).And(k.iw.Greater(i1)).And(m1))
					a2 = a2.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base2+off:]))).Merge(a2, i2.Greater(k.neg1).And(k.iw.Greater(i2)).And(m2))
					a3 = a3.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base3+off:]))).Merge(a3, i3.Greater(k.neg1).And(k.iw.Greater(i3)).And(m3))
				}
			}
		} else if !xin(qx[0]) || !xin(qx[1]) || !xin(qx[2]) || !xin(qx[3]) {
			// Blocks next to the padding columns only.
			t := 0
			for range d.kh {
				for kx := range d.kw {
					wv := archsimd.LoadFloat32x8(&k.w[t])
					off := k.tapOff[t]
					t++
					kxo := archsimd.LoadInt32x8(&k.kxOff[kx])
					i0, i1, i2, i3 := x0.Add(kxo), x1.Add(kxo), x2.Add(kxo), x3.Add(kxo)
					a0 = a0.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base0+off:]))).Merge(a0, i0.Greater(k.neg1).And(k.iw.Greater(i0)))
					a1 = a1.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base1+off:]))).Merge(a1, i1.Greater(k.neg1).And(k.iw.Greater(i1)))
					a2 = a2.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base2+off:]))).Merge(a2, i2.Greater(k.neg1).And(k.iw.Greater(i2)))
					a3 = a3.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base3+off:]))).Merge(a3, i3.Greater(k.neg1).And(k.iw.Greater(i3)))
				}
			}
		} else {
			for t := range taps {
				wv := archsimd.LoadFloat32x8(&k.w[t])
				off := k.tapOff[t]
				a0 = a0.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base0+off:])))
				a1 = a1.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base1+off:])))
				a2 = a2.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base2+off:])))
				a3 = a3.Add(wv.Mul(archsimd.LoadFloat32x8Slice(buf[base3+off:])))
			}
		}
		store(a0, 0)
		if nq > 1 {
			store(a1, 1)
		}
		if nq > 2 {
			store(a2, 2)
		}
		if nq > 3 {
			store(a3, 3)
		}
		nq = 0
	}
	for c := range d.c {
		// The plane's copy (memmove's SSE moves below 256 bytes) and the
		// weights' scalar stores run on clean upper halves.
		archsimd.ClearAVXUpperBits()
		in := src[c*d.ih*d.iw : (c+1)*d.ih*d.iw]
		out = dst[c*d.oh*d.ow : (c+1)*d.oh*d.ow]
		for iy := range d.ih {
			r := (iy + d.ph) * pitch
			copy(stage[r+d.pw:r+d.pw+d.iw], in[iy*d.iw:(iy+1)*d.iw])
		}
		bias := float32(0)
		if b != nil {
			bias = b[c]
		}
		k.channel(w[c*taps:(c+1)*taps], bias)
		if s > 2 {
			splitRows(buf, stage, d.ph, d.ih, pitch, half, s)
		}
		if s == 2 {
			split2Rows(buf, stage, d.ph, d.ih, pitch, half)
		}
		bv = archsimd.LoadFloat32x8(&k.bias)
		for oy := range d.oh {
			row := out[oy*d.ow : (oy+1)*d.ow]
			for ox := 0; ox < d.ow; ox += 8 {
				if k.vact {
					quad[nq], qbase[nq], qx[nq], qy[nq], qn[nq] = oy*d.ow+ox, oy*d.sh*pitch+ox, ox, oy, min(8, d.ow-ox)
					if nq++; nq == 4 {
						flush()
					}
					continue
				}
				full := ox >= xlo && ox+8 <= xhi
				acc := bv
				// Input column of each lane at kx = 0.
				ix0 := k.laneX.Add(archsimd.LoadInt32x8(&k.start[ox/8]))
				for ky := range d.kh {
					iy := oy*d.sh + ky*d.dh - d.ph
					if iy < 0 || iy >= d.ih {
						continue
					}
					base := oy*d.sh*pitch + ox
					for kx := range d.kw {
						t := ky*d.kw + kx
						v := acc.Add(archsimd.LoadFloat32x8(&k.w[t]).Mul(archsimd.LoadFloat32x8Slice(buf[base+k.tapOff[t]:])))
						if full {
							acc = v
							continue
						}
						ix := ix0.Add(archsimd.LoadInt32x8(&k.kxOff[kx]))
						acc = v.Merge(acc, ix.Greater(k.neg1).And(k.iw.Greater(ix)))
					}
				}
				acc.Store(&tmp)
				archsimd.ClearAVXUpperBits() // before actOne's scalar math
				for i := range min(8, d.ow-ox) {
					row[ox+i] = actOne(tmp[i], a)
				}
			}
		}
		flush()
	}
	archsimd.ClearAVXUpperBits()
}

// odds are the Permute indices that gather lanes 1, 3, 5, 7 into both
// halves.
var odds = [8]uint32{1, 3, 5, 7, 1, 3, 5, 7}

// split2Rows splits the rows ph..ph+ih−1 of stage into their even and
// odd columns: buf's row r holds stage's columns 0, 2, 4, ... then, from
// half on, 1, 3, 5, ... (pitch = 2·half, a multiple of 16).
func split2Rows(buf, stage []float32, ph, ih, pitch, half int) {
	ev, od := archsimd.LoadUint32x8(&evens), archsimd.LoadUint32x8(&odds)
	for r := ph * pitch; r < (ph+ih)*pitch; r += pitch {
		for j := 0; j < pitch; j += 16 {
			x := archsimd.LoadFloat32x8Slice(stage[r+j : r+j+8])
			y := archsimd.LoadFloat32x8Slice(stage[r+j+8 : r+j+16])
			x.Permute(ev).SetHi(y.Permute(ev).GetLo()).StoreSlice(buf[r+j/2 : r+j/2+8])
			x.Permute(od).SetHi(y.Permute(od).GetLo()).StoreSlice(buf[r+half+j/2 : r+half+j/2+8])
		}
	}
}

// splitRows is split2Rows for stride s > 2: column j·s + p goes to
// p·half + j, moved as integers (no SSE among AVX code).
func splitRows(buf, stage []float32, ph, ih, pitch, half, s int) {
	for r := ph * pitch; r < (ph+ih)*pitch; r += pitch {
		from := unsafe.Slice((*uint32)(unsafe.Pointer(&stage[r])), pitch)
		to := unsafe.Slice((*uint32)(unsafe.Pointer(&buf[r])), pitch)
		for p := range s {
			for j := range half {
				to[p*half+j] = from[j*s+p]
			}
		}
	}
}

// maxTaps bounds the kernel size of avx2DwConv's broadcast weights.
const maxTaps = 49

// vconsts are avx2DwConv's vectors, kept in memory as 8 float32 or int32
// values and loaded with one AVX instruction each.
type vconsts struct {
	w            [maxTaps][8]float32 // the channel's weights, broadcast
	bias         [8]float32
	lo, hi, zero [8]float32 // Clip's bounds
	op           ActOp
	vact         bool
	laneX        archsimd.Int32x8  // lane·SW
	neg1, iw, ih archsimd.Int32x8  // −1, IW and IH
	kxOff        [maxTaps][8]int32 // kx·DW
	kyOff        [maxTaps][8]int32 // ky·DH
	tapOff       [maxTaps]int      // tap ky·KW+kx: its load's buffer index from a block's base
	start        [][8]int32        // block ox/8: ox·SW − PW
	startBuf     [64][8]int32
	ystart       [][8]int32 // row oy: oy·SH − PH
	ystartBuf    [64][8]int32
}

func (k *vconsts) init(d geomDims, a Act) {
	k.op, k.vact = a.Op, vectorAct(a)
	for i := range 8 {
		k.lo[i], k.hi[i] = a.Alpha, a.Beta
	}
	var lx [8]int32
	for i := range 8 {
		lx[i] = int32(i * d.sw)
	}
	k.laneX = archsimd.LoadInt32x8(&lx)
	k.neg1, k.iw, k.ih = archsimd.BroadcastInt32x8(-1), archsimd.BroadcastInt32x8(int32(d.iw)), archsimd.BroadcastInt32x8(int32(d.ih))
	for kx := range min(d.kw, maxTaps) {
		for i := range 8 {
			k.kxOff[kx][i] = int32(kx * d.dw)
		}
	}
	for ky := range min(d.kh, maxTaps) {
		for i := range 8 {
			k.kyOff[ky][i] = int32(ky * d.dh)
		}
	}
	k.ystart = k.ystartBuf[:0]
	if d.oh > len(k.ystartBuf) {
		k.ystart = make([][8]int32, 0, d.oh)
	}
	for oy := range d.oh {
		var v [8]int32
		for i := range v {
			v[i] = int32(oy*d.sh - d.ph)
		}
		k.ystart = append(k.ystart, v)
	}
	nb := (d.ow + 7) / 8
	k.start = k.startBuf[:0]
	if nb > len(k.startBuf) {
		k.start = make([][8]int32, 0, nb)
	}
	for j := range nb {
		var v [8]int32
		for i := range v {
			v[i] = int32(j*8*d.sw - d.pw)
		}
		k.start = append(k.start, v)
	}
}

// channel sets the weights and bias of one channel.
func (k *vconsts) channel(w []float32, bias float32) {
	for t, v := range w {
		k.w[t] = [8]float32{v, v, v, v, v, v, v, v}
	}
	k.bias = [8]float32{bias, bias, bias, bias, bias, bias, bias, bias}
}

// act is the vector activation (vact).
func (k *vconsts) act(v archsimd.Float32x8) archsimd.Float32x8 {
	switch k.op {
	case ActRelu:
		zero := archsimd.LoadFloat32x8(&k.zero)
		return zero.Merge(v, v.Less(zero))
	case ActClip:
		return clip8(v, archsimd.LoadFloat32x8(&k.lo), archsimd.LoadFloat32x8(&k.hi))
	}
	return v
}

func avx2Pool(dst, src []float32, g *geom) {
	if avx2PoolPadded(dst, src, g) {
		return
	}
	d := g.dims()
	isMax, countPad := g[gOp]&poolMax != 0, g[gOp]&poolCountPad != 0
	xlo, xhi := inner(d.iw, d.ow, d.kw, d.sw, d.dw, d.pw)
	ninf := archsimd.BroadcastFloat32x8(float32(math.Inf(-1)))
	var zeros [8]float32
	zeroV := archsimd.LoadFloat32x8(&zeros)
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
				if iyMax*d.iw+ox*d.sw-d.pw+(d.kw-1)*d.dw+load8Len(d.sw) > len(in) {
					break
				}
				s := zeroV
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
// 1) or gathered 8 at a time (load8: larger strides), the last few one at
// a time without a test per value. Rows are copied and cleared with AVX
// (vcopy, vzero), not copy and clear: those call memmove and memclr,
// whose SSE moves for short rows are slow after 256-bit code, and a call
// per row costs more than a row of 30 values.
func avx2Im2colConv(col, src []float32, g *geom) {
	d := g.dims()
	q := 0
	for ic := range d.c {
		in := src[ic*d.ih*d.iw : (ic+1)*d.ih*d.iw]
		for ky := range d.kh {
			for kx := range d.kw {
				// The outputs ox whose input ox*sw + kx*dw - pw is inside.
				off := kx*d.dw - d.pw
				lo, hi := inner(d.iw, d.ow, 1, d.sw, 1, -off)
				if d.sw == 1 && d.sh == 1 && off == 0 && lo == 0 && hi == d.ow && d.ow == d.iw {
					// Whole rows, one input row after the other: the rows
					// whose input row is inside are one copy.
					oy0 := min(max(d.ph-ky*d.dh, 0), d.oh)
					oy1 := max(min(d.ih+d.ph-ky*d.dh, d.oh), oy0)
					blk := col[q : q+d.oh*d.ow]
					q += d.oh * d.ow
					vzero(blk[:oy0*d.ow])
					if oy1 > oy0 {
						vcopy(blk[oy0*d.ow:oy1*d.ow], in[(oy0+ky*d.dh-d.ph)*d.iw:])
					}
					vzero(blk[oy1*d.ow:])
					continue
				}
				for oy := range d.oh {
					row := col[q : q+d.ow]
					q += d.ow
					iy := oy*d.sh + ky*d.dh - d.ph
					if iy < 0 || iy >= d.ih {
						vzero(row)
						continue
					}
					r := in[iy*d.iw : (iy+1)*d.iw]
					vzero(row[:lo])
					vzero(row[hi:])
					if lo == hi {
						// no input inside: the row was cleared
					} else if d.sw == 1 {
						vcopy(row[lo:hi], r[lo+off:hi+off])
					} else {
						ox := lo
						for ; ox+8 <= hi && iy*d.iw+ox*d.sw+off+load8Len(d.sw) <= len(in); ox += 8 {
							load8(in, iy*d.iw+ox*d.sw+off, d.sw).StoreSlice(row[ox : ox+8])
						}
						archsimd.ClearAVXUpperBits() // before the scalar copies
						for ; ox < hi; ox++ {
							row[ox] = r[ox*d.sw+off]
						}
					}
				}
			}
		}
	}
	archsimd.ClearAVXUpperBits()
}

// vcopy is copy(dst, src) for len(dst) <= len(src), 8 values at a time
// with AVX, the last few as integers (a masked store, VMASKMOVPS, costs
// more than a short row; a float32 moved as a float would take SSE
// instructions).
func vcopy(dst, src []float32) {
	src = src[:len(dst)]
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		archsimd.LoadFloat32x8Slice(src[i : i+8]).StoreSlice(dst[i : i+8])
	}
	if i < len(dst) {
		d, s := bitsOf(dst[i:]), bitsOf(src[i:])
		for j := range d {
			d[j] = s[j]
		}
	}
}

// vzero is clear(dst), 8 values at a time with AVX, the last few as
// integers.
func vzero(dst []float32) {
	var z archsimd.Float32x8
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		z.StoreSlice(dst[i : i+8])
	}
	if i < len(dst) {
		d := bitsOf(dst[i:])
		for j := range d {
			d[j] = 0
		}
	}
}

// bitsOf is s as its bits, without a copy (s is not empty).
func bitsOf(s []float32) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(&s[0])), len(s))
}
