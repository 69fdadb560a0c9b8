package kernels

import "math"

// MaxPool is ONNX MaxPool in 1-D (N×C×W) or 2-D (N×C×H×W): each output
// is the largest of the inputs its window covers,
//
//	dst[n][c][o] = max over k of src[n][c][o·Stride - Pad + k·Dilation]
//
// per axis, taking only positions inside [0, In): padding never wins. NaN
// wins over any number. A window that covers no input (Pad or PadEnd at
// least its span) gives -Inf. See AveragePool for the lengths and the
// rule on Out.
func MaxPool(dst, src []float32, p PoolParams) {
	w, planes := checkPool("MaxPool", dst, src, p)
	if kernelPaths && undilated(p) {
		Pool(dst, src, p, true) // the WebAssembly SIMD kernel
		return
	}
	pool2D(dst, src, planes, &w, true, false)
}

// AveragePool is ONNX AveragePool in 1-D or 2-D: each output is the sum
// of the inputs its window covers (positions inside [0, In)), divided by
// their count or, with CountIncludePad, by the count of window positions
// inside [-Pad, In+PadEnd) (padding counts, but what ceil_mode adds past
// PadEnd never does). Sums are in float64. A window with nothing to count
// gives NaN (0/0).
//
// Lengths: src N·C·∏In, dst N·C·∏Out. Per axis Out must lie between
// ONNX's floor and ceil lengths, floor((In+Pad+PadEnd-span)/Stride)+1 and
// ceil((In+Pad+PadEnd-span)/Stride)+1 with span = Dilation·(Kernel-1)+1:
// floor mode, ceil_mode, or ceil_mode with a last window that would start
// in the end padding dropped. dst must not overlap src.
func AveragePool(dst, src []float32, p PoolParams) {
	w, planes := checkPool("AveragePool", dst, src, p)
	if kernelPaths && undilated(p) {
		Pool(dst, src, p, false) // the WebAssembly SIMD kernel
		return
	}
	pool2D(dst, src, planes, &w, false, p.CountIncludePad)
}

// checkPool checks p and the slice lengths; it returns the window and the
// number of planes (N·C).
func checkPool(fn string, dst, src []float32, p PoolParams) (window, int) {
	atLeast(fn, "N", p.N, 0)
	atLeast(fn, "C", p.C, 0)
	if p.PadEnd == nil {
		shapeErr(fn, "PadEnd = nil, want %d values (0s for none)", len(p.In))
	}
	w := checkWindow(fn, p.In, p.Out, p.Kernel, p.Stride, p.Dilation, p.Pad, p.PadEnd)
	r := len(p.In)
	for j := 2 - r; j < 2; j++ {
		lo, hi := w.outFloor(j, w.padEnd[j]), w.outCeil(j, w.padEnd[j])
		if w.out[j] < lo || w.out[j] > hi {
			i := axisIndex(j, r)
			shapeErr(fn, "Out[%d] = %d, want floor or ceil of (In+Pad+PadEnd-Dilation*(Kernel-1)-1)/Stride, plus 1: (%d+%d+%d-%d*(%d-1)-1)/%d+1 gives %d..%d",
				i, w.out[j], w.in[j], w.pad[j], w.padEnd[j], w.d[j], w.k[j], w.s[j], lo, hi)
		}
	}
	planes := mulSize(fn, "N*C", p.N, p.C)
	is, os := size(fn, "In", p.In), size(fn, "Out", p.Out)
	wantLen(fn, "src", len(src), mulSize(fn, "src", planes, is), "N*C*In = %d*%d*%s", p.N, p.C, p.In)
	wantLen(fn, "dst", len(dst), mulSize(fn, "dst", planes, os), "N*C*Out = %d*%d*%s", p.N, p.C, p.Out)
	noOverlap(fn, "dst", "src", dst, src)
	return w, planes
}

// taps is, for one output position along one axis, the kernel taps
// [lo, hi) that read inside [0, In) and the count n of taps inside
// [-Pad, In+PadEnd).
type taps struct{ lo, hi, n int }

// axisTaps fills buf with every output's taps along axis j when Out fits
// it (no garbage per call), else returns nil: tapAt then computes each
// output's taps as the walk reaches it.
func axisTaps(w *window, j int, buf *[64]taps) []taps {
	if w.out[j] > len(buf) {
		return nil
	}
	t := buf[:w.out[j]]
	for o := range t {
		t[o] = tapsOf(w, j, o)
	}
	return t
}

// tapsOf is output o's taps along axis j.
func tapsOf(w *window, j, o int) taps {
	var t taps
	start := o*w.s[j] - w.pad[j]
	t.lo, t.hi = validRange(w.k[j], w.d[j], start, w.in[j])
	lo, hi := validRange(w.k[j], w.d[j], start+w.pad[j], w.in[j]+w.pad[j]+w.padEnd[j])
	t.n = hi - lo
	return t
}

// tapAt is output o's taps along axis j: from t, axisTaps' table, or
// computed when there is none.
func tapAt(t []taps, w *window, j, o int) taps {
	if t != nil {
		return t[o]
	}
	return tapsOf(w, j, o)
}

// pool2D runs a max or average pool over planes planes of ih×iw.
func pool2D(dst, src []float32, planes int, w *window, isMax, includePad bool) {
	var by, bx [64]taps
	ty, tx := axisTaps(w, 0, &by), axisTaps(w, 1, &bx)
	ih, iw, oh, ow := w.in[0], w.in[1], w.out[0], w.out[1]
	sy, sx, dy, dx, py, px := w.s[0], w.s[1], w.d[0], w.d[1], w.pad[0], w.pad[1]
	for pl := range planes {
		in := src[pl*ih*iw : (pl+1)*ih*iw]
		out := dst[pl*oh*ow : (pl+1)*oh*ow]
		for oy := range oh {
			y := tapAt(ty, w, 0, oy)
			for ox := range ow {
				x := tapAt(tx, w, 1, ox)
				y0, x0 := oy*sy-py, ox*sx-px
				if isMax {
					m := float32(math.Inf(-1))
					for t := y.lo; t < y.hi; t++ {
						row := in[(y0+t*dy)*iw : (y0+t*dy+1)*iw]
						if x.lo == x.hi {
							break
						}
						if dx == 1 {
							for _, v := range row[x0+x.lo : x0+x.hi] {
								m = max(m, v) // NaN wins
							}
							continue
						}
						for u := x.lo; u < x.hi; u++ {
							m = max(m, row[x0+u*dx])
						}
					}
					out[oy*ow+ox] = m
					continue
				}
				var s float64
				for t := y.lo; t < y.hi; t++ {
					row := in[(y0+t*dy)*iw : (y0+t*dy+1)*iw]
					if x.lo == x.hi {
						break
					}
					if dx == 1 {
						for _, v := range row[x0+x.lo : x0+x.hi] {
							s += float64(v)
						}
						continue
					}
					for u := x.lo; u < x.hi; u++ {
						s += float64(row[x0+u*dx])
					}
				}
				n := (y.hi - y.lo) * (x.hi - x.lo)
				if includePad {
					n = y.n * x.n
				}
				out[oy*ow+ox] = float32(s / float64(n))
			}
		}
	}
}

// GlobalPool sets dst[i] to the mean (or, with max, the largest; NaN wins)
// of the spatial values src[i·spatial:(i+1)·spatial], for each of the n·c
// planes: ONNX GlobalAveragePool and GlobalMaxPool. Means sum in float64.
// len(dst) = n·c, len(src) = n·c·spatial, spatial >= 1; dst must not
// overlap src.
func GlobalPool(dst, src []float32, n, c, spatial int, max bool) {
	const fn = "GlobalPool"
	atLeast(fn, "n", n, 0)
	atLeast(fn, "c", c, 0)
	atLeast(fn, "spatial", spatial, 1)
	planes := mulSize(fn, "n*c", n, c)
	wantLen(fn, "dst", len(dst), planes, "n*c = %d*%d", n, c)
	wantLen(fn, "src", len(src), mulSize(fn, "src", planes, spatial), "n*c*spatial = %d*%d*%d", n, c, spatial)
	noOverlap(fn, "dst", "src", dst, src)
	globalPool(dst, src, spatial, max)
}

func globalPool(dst, src []float32, spatial int, isMax bool) {
	for i := range dst {
		plane := src[i*spatial : (i+1)*spatial]
		if isMax {
			m := plane[0]
			for _, v := range plane[1:] {
				m = max(m, v)
			}
			dst[i] = m
			continue
		}
		var s float64
		for _, v := range plane {
			s += float64(v)
		}
		dst[i] = float32(s / float64(spatial))
	}
}

// undilated tells whether a pool has no dilation: the SIMD kernel's case.
func undilated(p PoolParams) bool {
	for _, d := range p.Dilation {
		if d != 1 {
			return false
		}
	}
	return true
}
