package kernels

import (
	"math"
	"slices"
)

// Reduce reduces x (of shape) over axes into dst, which holds the kept
// axes in their order (keepdims only changes the shape, not the layout).
// axes is sorted, unique and within the rank; empty means every axis. In
// float64, over the reduced values v:
//
//	ReduceSum Σv   ReduceMean Σv/count   ReduceMax max   ReduceMin min
//	ReduceProd Πv   ReduceL1 Σ|v|   ReduceL2 √Σv²   ReduceSumSquare Σv²
//	ReduceLogSum log Σv   ReduceLogSumExp m + log Σ exp(v-m), m = max v
//
// Max and Min give NaN when a value is NaN. An empty reduction (an axis of
// length 0) gives Sum, L1, L2, SumSquare 0, Prod 1, Mean NaN, Max -Inf,
// Min +Inf, LogSum and LogSumExp -Inf. len(x) is the product of shape,
// len(dst) that of the kept axes; dst must not overlap x.
func Reduce(dst, x []float32, op ReduceOp, shape, axes []int) {
	const fn = "Reduce"
	if op > ReduceLogSumExp {
		shapeErr(fn, "unknown ReduceOp %d (want ReduceSum..ReduceLogSumExp)", int(op))
	}
	total := size(fn, "shape", shape)
	// Small fixed buffers for the usual ranks: no garbage per call.
	var redBuf [8]bool
	var red []bool
	if len(shape) <= len(redBuf) {
		red = redBuf[:len(shape)]
	} else {
		red = make([]bool, len(shape))
	}
	for i, a := range axes {
		if a < 0 || a >= len(shape) {
			shapeErr(fn, "axes[%d] = %d, want 0..%d (rank of shape %s)", i, a, len(shape)-1, dims(shape))
		}
		if i > 0 && a <= axes[i-1] {
			shapeErr(fn, "axes = %s, want sorted and unique", list(axes))
		}
		red[a] = true
	}
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	kept := 1
	for i, d := range shape {
		if !red[i] {
			kept *= d
		}
	}
	wantLen(fn, "x", len(x), total, "product of shape %s", shape)
	wantLen(fn, "dst", len(dst), kept, "product of the kept axes of %s", shape)
	noOverlap(fn, "dst", "x", dst, x)
	if kept == 0 {
		return
	}
	// Merge neighbouring axes of the same kind; then walk the kept axes
	// (outer odometer) and the reduced ones (inner odometer) by strides.
	// Built innermost first, then reversed.
	var ksBuf, kdBuf, rsBuf, rdBuf [8]int
	ks, kd, rs, rd := ksBuf[:0], kdBuf[:0], rsBuf[:0], rdBuf[:0] // kept and reduced: strides and lengths
	stride := 1
	prev := -1 // kind of the axis merged last (0 kept, 1 reduced)
	for i := len(shape) - 1; i >= 0; i-- {
		d := shape[i]
		if d == 1 {
			continue
		}
		kind := 0
		if red[i] {
			kind = 1
		}
		switch {
		case kind == prev && kind == 0:
			kd[len(kd)-1] *= d
		case kind == prev:
			rd[len(rd)-1] *= d
		case kind == 0:
			ks, kd = append(ks, stride), append(kd, d)
		default:
			rs, rd = append(rs, stride), append(rd, d)
		}
		prev = kind
		stride *= d
	}
	for _, v := range [][]int{ks, kd, rs, rd} {
		slices.Reverse(v)
	}
	count := total / kept
	var koBuf [8]int
	var ko []int
	if len(kd) <= len(koBuf) {
		ko = koBuf[:len(kd)]
	} else {
		ko = make([]int, len(kd))
	}
	base := 0
	for o := range dst {
		dst[o] = reduceAt(x, base, rs, rd, count, op)
		for ax := len(kd) - 1; ax >= 0; ax-- {
			ko[ax]++
			base += ks[ax]
			if ko[ax] < kd[ax] {
				break
			}
			base -= ks[ax] * kd[ax]
			ko[ax] = 0
		}
	}
}

// reduceAt reduces the count values at base + the offsets of the reduced
// axes (strides rs, lengths rd).
func reduceAt(x []float32, base int, rs, rd []int, count int, op ReduceOp) float32 {
	if count == 0 {
		switch op {
		case ReduceProd:
			return 1
		case ReduceMean:
			return float32(math.NaN())
		case ReduceMax, ReduceLogSum, ReduceLogSumExp:
			return float32(math.Inf(-1))
		case ReduceMin:
			return float32(math.Inf(1))
		}
		return 0
	}
	var acc float64
	switch op {
	case ReduceProd:
		acc = 1
	case ReduceMax:
		acc = math.Inf(-1)
	case ReduceMin:
		acc = math.Inf(1)
	}
	if (op == ReduceSum || op == ReduceMean) && len(rd) == 1 && rs[0] == 1 {
		// The common case (a mean over the last axes) without a call per
		// value: the same sum in the same order as pass below.
		for _, v := range x[base : base+count] {
			acc += float64(v)
		}
		if op == ReduceMean {
			acc /= float64(count)
		}
		return float32(acc)
	}
	m := 0.0
	pass := func(f func(v float64)) {
		if len(rd) == 1 && rs[0] == 1 {
			for _, v := range x[base : base+count] {
				f(float64(v))
			}
			return
		}
		idx := make([]int, len(rd))
		off := base
		for range count {
			f(float64(x[off]))
			for ax := len(rd) - 1; ax >= 0; ax-- {
				idx[ax]++
				off += rs[ax]
				if idx[ax] < rd[ax] {
					break
				}
				off -= rs[ax] * rd[ax]
				idx[ax] = 0
			}
		}
	}
	switch op {
	case ReduceSum, ReduceMean, ReduceLogSum:
		pass(func(v float64) { acc += v })
	case ReduceMax:
		pass(func(v float64) { acc = max(acc, v) })
	case ReduceMin:
		pass(func(v float64) { acc = min(acc, v) })
	case ReduceProd:
		pass(func(v float64) { acc *= v })
	case ReduceL1:
		pass(func(v float64) { acc += math.Abs(v) })
	case ReduceL2, ReduceSumSquare:
		pass(func(v float64) { acc += v * v })
	case ReduceLogSumExp:
		m = math.Inf(-1)
		pass(func(v float64) { m = max(m, v) })
		if math.IsInf(m, 0) {
			return float32(m) // all -Inf, or one +Inf
		}
		pass(func(v float64) { acc += math.Exp(v - m) })
		acc = math.Log(acc) + m
		if acc != acc { // a NaN, already in m if any
			return float32(math.NaN())
		}
		return float32(acc)
	}
	switch op {
	case ReduceMean:
		acc /= float64(count)
	case ReduceL2:
		acc = math.Sqrt(acc)
	case ReduceLogSum:
		acc = math.Log(acc)
	}
	return float32(acc)
}
