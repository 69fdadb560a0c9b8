package kernels

import "math"

// Binary sets dst = a op b element by element with numpy broadcasting.
// outShape, aShape and bShape have the same rank (the importer pads the
// shorter shape with leading 1s); aShape[i] and bShape[i] are each
// outShape[i] or 1, and a 1 repeats that input along the axis. len(dst),
// len(a) and len(b) are the products of their shapes.
//
// BinPow is math.Pow in float64 (a negative base with a non-integer
// exponent gives NaN, as in ONNX Pow); BinMax and BinMin give NaN when
// either value is NaN (numpy's maximum and minimum); BinPRelu is
// a < 0 ? a·b : a with b the slope.
//
// dst may be a or b itself when that input has dst's length (it is not
// broadcast); otherwise it must not overlap them.
func Binary(dst, a, b []float32, op BinOp, outShape, aShape, bShape []int) {
	const fn = "Binary"
	if op > BinPRelu {
		shapeErr(fn, "unknown BinOp %d (want BinAdd..BinPRelu)", int(op))
	}
	sameRank(fn, "outShape", outShape, []string{"aShape", "bShape"}, aShape, bShape)
	n := size(fn, "outShape", outShape)
	for i, o := range outShape {
		if aShape[i] != o && aShape[i] != 1 {
			shapeErr(fn, "aShape[%d] = %d, want outShape[%d] = %d or 1 (shapes %s, %s)", i, aShape[i], i, o, dims(aShape), dims(outShape))
		}
		if bShape[i] != o && bShape[i] != 1 {
			shapeErr(fn, "bShape[%d] = %d, want outShape[%d] = %d or 1 (shapes %s, %s)", i, bShape[i], i, o, dims(bShape), dims(outShape))
		}
	}
	wantLen(fn, "dst", len(dst), n, "product of outShape %s", outShape)
	wantLen(fn, "a", len(a), size(fn, "aShape", aShape), "product of aShape %s", aShape)
	wantLen(fn, "b", len(b), size(fn, "bShape", bShape), "product of bShape %s", bShape)
	for _, in := range []struct {
		name string
		s    []float32
	}{{"a", a}, {"b", b}} {
		if len(in.s) == n {
			noPartial(fn, "dst", in.name, dst, in.s)
		} else {
			noOverlap(fn, "dst", in.name+" (broadcast)", dst, in.s)
		}
	}
	if n == 0 {
		return
	}
	switch {
	case len(a) == n && len(b) == n:
		binVV(op, dst, a, b)
		return
	case len(b) == 1 && len(a) == n:
		binVS(op, dst, a, b[0])
		return
	case len(a) == 1 && len(b) == n:
		binSV(op, dst, a[0], b)
		return
	}
	binBroadcast(op, dst, a, b, outShape, aShape, bShape)
}

// binBroadcast merges adjacent axes where a and b broadcast alike, then
// walks the outer axes with an odometer and runs the last merged axis as
// one vector loop: vector-vector, vector-scalar or scalar-vector.
func binBroadcast(op BinOp, dst, a, b []float32, outShape, aShape, bShape []int) {
	var outBuf, kindsBuf, asBuf, bsBuf, idxBuf [maxRank]int
	out, kinds, as, bs := broadcastAxes(outBuf[:0], kindsBuf[:0], asBuf[:0], bsBuf[:0], outShape, aShape, bShape)
	r := len(out)
	inner := out[r-1]
	last := kinds[r-1]
	idx := ints(idxBuf[:0], r)
	clear(idx)
	ai, bi := 0, 0
	for o := 0; o < len(dst); o += inner {
		d := dst[o : o+inner]
		switch last {
		case 3:
			binVV(op, d, a[ai:ai+inner], b[bi:bi+inner])
		case 1:
			binVS(op, d, a[ai:ai+inner], b[bi])
		case 2:
			binSV(op, d, a[ai], b[bi:bi+inner])
		default: // both broadcast along the last axis
			v := bin(op, a[ai], b[bi])
			for i := range d {
				d[i] = v
			}
		}
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			ai += as[ax]
			bi += bs[ax]
			if idx[ax] < out[ax] {
				break
			}
			ai -= as[ax] * out[ax]
			bi -= bs[ax] * out[ax]
			idx[ax] = 0
		}
	}
}

func binVV(op BinOp, dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	switch op {
	case BinAdd:
		add(dst, a, b)
	case BinSub:
		for i := range dst {
			dst[i] = a[i] - b[i]
		}
	case BinMul:
		mul(dst, a, b)
	case BinDiv:
		for i := range dst {
			dst[i] = a[i] / b[i]
		}
	default:
		for i := range dst {
			dst[i] = bin(op, a[i], b[i])
		}
	}
}

func binVS(op BinOp, dst, a []float32, s float32) {
	a = a[:len(dst)]
	if clipScalar(op, dst, a, s) {
		return
	}
	switch op {
	case BinAdd:
		for i, v := range a {
			dst[i] = v + s
		}
	case BinSub:
		for i, v := range a {
			dst[i] = v - s
		}
	case BinMul:
		for i, v := range a {
			dst[i] = v * s
		}
	case BinDiv:
		for i, v := range a {
			dst[i] = v / s
		}
	case BinPow:
		if s == 2 {
			for i, v := range a {
				dst[i] = float32(float64(v) * float64(v))
			}
			return
		}
		fallthrough
	default:
		for i, v := range a {
			dst[i] = bin(op, v, s)
		}
	}
}

func binSV(op BinOp, dst []float32, s float32, b []float32) {
	b = b[:len(dst)]
	if clipScalar(op, dst, b, s) {
		return
	}
	switch op {
	case BinAdd:
		for i, v := range b {
			dst[i] = s + v
		}
	case BinMul:
		for i, v := range b {
			dst[i] = s * v
		}
	default:
		for i, v := range b {
			dst[i] = bin(op, s, v)
		}
	}
}

// clipScalar runs max(x, s) as Clip(x, s, +Inf) and min(x, s) as
// Clip(x, -Inf, s), which a wasip1 build runs in the activation kernel
// instead of a Go-compiled loop that calls the runtime for each value
// (the wake-word model's Max after each convolution). The bits are max's
// and min's: with s not NaN, max(x, s) = max(s, x) (a NaN x wins, ±0 gives
// +0 either way) and min(y, +Inf) = y, max(y, -Inf) = y for every y. It
// returns false, doing nothing, for other ops and a NaN s.
func clipScalar(op BinOp, dst, x []float32, s float32) bool {
	if s != s {
		return false
	}
	inf := float32(math.Inf(1))
	switch op {
	case BinMax:
		activateRange(dst, x, Act{Op: ActClip, Alpha: s, Beta: inf})
	case BinMin:
		activateRange(dst, x, Act{Op: ActClip, Alpha: -inf, Beta: s})
	default:
		return false
	}
	return true
}

// bin is op on one pair of values.
func bin(op BinOp, a, b float32) float32 {
	switch op {
	case BinAdd:
		return a + b
	case BinSub:
		return a - b
	case BinMul:
		return a * b
	case BinDiv:
		return a / b
	case BinMax:
		return max(a, b)
	case BinMin:
		return min(a, b)
	case BinPow:
		return float32(math.Pow(float64(a), float64(b)))
	default: // BinPRelu
		if a < 0 {
			return a * b
		}
		return a
	}
}

// BroadcastAxes merges the adjacent axes of outShape where a and b
// broadcast alike, dropping axes of size 1. kinds[i] has bit 0 set when a
// is full along merged axis i, bit 1 when b is; as and bs are a's and b's
// strides over the merged axes (0 where broadcast). The WebAssembly back
// end of the importer plans its loops from the same merge.
func BroadcastAxes(outShape, aShape, bShape []int) (out, kinds, as, bs []int) {
	return broadcastAxes(nil, nil, nil, nil, outShape, aShape, bShape)
}

// broadcastAxes is BroadcastAxes appending to out[:0] and kinds[:0], with
// as and bs in their buffers' room (see ints).
func broadcastAxes(out, kinds, as, bs, outShape, aShape, bShape []int) ([]int, []int, []int, []int) {
	out, kinds = out[:0], kinds[:0]
	for i, o := range outShape {
		if o == 1 {
			continue
		}
		k := 0
		if aShape[i] == o {
			k |= 1
		}
		if bShape[i] == o {
			k |= 2
		}
		if len(out) > 0 && kinds[len(kinds)-1] == k {
			out[len(out)-1] *= o
			continue
		}
		out, kinds = append(out, o), append(kinds, k)
	}
	r := len(out)
	as, bs = ints(as[:0], r), ints(bs[:0], r)
	clear(as)
	clear(bs)
	sa, sb := 1, 1
	for i := r - 1; i >= 0; i-- {
		if kinds[i]&1 != 0 {
			as[i] = sa
			sa *= out[i]
		}
		if kinds[i]&2 != 0 {
			bs[i] = sb
			sb *= out[i]
		}
	}
	return out, kinds, as, bs
}
