package kernels

// Pad pads x (of shape) by begin[i] values before and end[i] values after
// each axis i into dst (of shape[i]+begin[i]+end[i] per axis); a negative
// begin or end crops instead. The new values are value (PadConstant), the
// mirror image of x without repeating its edge (PadReflect, numpy's
// "reflect": [a b c] padded by 4 before is a b c b | a b c; beyond
// twice the length it keeps bouncing), or the nearest edge value
// (PadEdge). PadReflect and PadEdge need a non-empty axis to pad. len(dst)
// must be the product of the padded shape; dst must not overlap x.
func Pad(dst, x []float32, shape, begin, end []int, mode PadMode, value float32) {
	const fn = "Pad"
	if mode > PadEdge {
		shapeErr(fn, "unknown PadMode %d (want PadConstant, PadReflect or PadEdge)", int(mode))
	}
	sameRank(fn, "shape", shape, []string{"begin", "end"}, begin, end)
	n := size(fn, "shape", shape)
	var outBuf, stBuf, idxBuf [maxRank]int
	out := ints(outBuf[:0], len(shape))
	for i, d := range shape {
		if begin[i] < -maxSize || begin[i] > maxSize || end[i] < -maxSize || end[i] > maxSize {
			shapeErr(fn, "begin[%d] = %d, end[%d] = %d, want within ±(2^31-1)", i, begin[i], i, end[i])
		}
		out[i] = d + begin[i] + end[i]
		if out[i] < 0 {
			shapeErr(fn, "axis %d: shape %d + begin %d + end %d = %d, want >= 0", i, d, begin[i], end[i], out[i])
		}
		if d == 0 && out[i] > 0 && mode != PadConstant {
			shapeErr(fn, "axis %d is empty: reflect and edge padding need values to copy", i)
		}
	}
	total := size(fn, "padded shape", out)
	wantLen(fn, "x", len(x), n, "product of shape %s", shape)
	wantLen(fn, "dst", len(dst), total, "product of the padded shape %s", out)
	noOverlap(fn, "dst", "x", dst, x)
	if total == 0 {
		return
	}
	// Output o along axis i reads index padIndex(o-begin[i], shape[i],
	// mode) of x, or the constant where that is -1.
	st := stridesInto(stBuf[:0], shape)
	r := len(shape)
	if r == 0 {
		dst[0] = x[0]
		return
	}
	idx := ints(idxBuf[:0], r)
	clear(idx)
	inner := out[r-1]
	// Outputs [klo, khi) of a row read x's row as it is: one copy.
	b := begin[r-1]
	klo, khi := min(max(b, 0), inner), min(max(b+shape[r-1], 0), inner)
	khi = max(klo, khi)
	for o := 0; o < total; o += inner {
		row := dst[o : o+inner]
		off, inside := 0, true
		for ax := range r - 1 {
			j := padIndex(idx[ax]-begin[ax], shape[ax], mode)
			if j < 0 {
				inside = false
				break
			}
			off += j * st[ax]
		}
		if !inside {
			for k := range row {
				row[k] = value
			}
		} else {
			padEdges(row[:klo], 0, b, shape[r-1], mode, x[off:], value)
			copy(row[klo:khi], x[off+klo-b:off+khi-b])
			padEdges(row[khi:], khi, b, shape[r-1], mode, x[off:], value)
		}
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			if idx[ax] < out[ax] {
				break
			}
			idx[ax] = 0
		}
	}
}

// padEdges fills the outputs of a row outside x's row (of length d),
// row[k] being output k0+k of a row that begins b before x's: x[j], j =
// padIndex(k0+k-b, d, mode), or value where j < 0.
func padEdges(row []float32, k0, b, d int, mode PadMode, x []float32, value float32) {
	for k := range row {
		if i := padIndex(k0+k-b, d, mode); i >= 0 {
			row[k] = x[i]
		} else {
			row[k] = value
		}
	}
}

// padIndex maps position i (relative to the start of x along an axis of
// length d) to the index it copies, or -1 for the constant.
func padIndex(i, d int, mode PadMode) int {
	if i >= 0 && i < d {
		return i
	}
	switch mode {
	case PadEdge:
		return min(max(i, 0), d-1)
	case PadReflect:
		if d == 1 {
			return 0
		}
		p := 2 * (d - 1)
		i %= p
		if i < 0 {
			i += p
		}
		if i >= d {
			i = p - i
		}
		return i
	}
	return -1
}

// Slice copies from x (of shape) the elements whose index along axis i is
// starts[i] + j·steps[i] for j < outShape[i], into dst (of outShape).
// Steps may be negative (walking backwards), never 0; the importer has
// already clamped ONNX's starts and ends, so every index read must lie
// in [0, shape[i]) (checked). len(x), len(dst) are the products of shape
// and outShape; dst must not overlap x.
func Slice(dst, x []float32, shape, starts, steps, outShape []int) {
	const fn = "Slice"
	sameRank(fn, "shape", shape, []string{"starts", "steps", "outShape"}, starts, steps, outShape)
	n := size(fn, "shape", shape)
	total := size(fn, "outShape", outShape)
	for i, d := range shape {
		if steps[i] == 0 || steps[i] < -maxSize || steps[i] > maxSize {
			shapeErr(fn, "steps[%d] = %d, want non-zero within ±(2^31-1)", i, steps[i])
		}
		if outShape[i] == 0 {
			continue
		}
		last := starts[i] + (outShape[i]-1)*steps[i]
		if starts[i] < 0 || starts[i] >= d || last < 0 || last >= d {
			shapeErr(fn, "axis %d: reads indices %d to %d step %d, want within 0..%d (length %d)", i, starts[i], last, steps[i], d-1, d)
		}
	}
	wantLen(fn, "x", len(x), n, "product of shape %s", shape)
	wantLen(fn, "dst", len(dst), total, "product of outShape %s", outShape)
	noOverlap(fn, "dst", "x", dst, x)
	if total == 0 {
		return
	}
	var stBuf, stepBuf [maxRank]int
	st := stridesInto(stBuf[:0], shape)
	base := 0
	step := ints(stepBuf[:0], len(shape))
	for i := range shape {
		base += starts[i] * st[i]
		step[i] = steps[i] * st[i]
	}
	copyStrided(dst, x, base, outShape, step)
}

// Expand broadcasts x (of xShape) to outShape, numpy-style: both have the
// same rank (the importer pads xShape with leading 1s), and xShape[i] is
// outShape[i] or 1 (repeated). dst must not overlap x.
func Expand(dst, x []float32, outShape, xShape []int) {
	const fn = "Expand"
	sameRank(fn, "outShape", outShape, []string{"xShape"}, xShape)
	total := size(fn, "outShape", outShape)
	n := size(fn, "xShape", xShape)
	for i, d := range outShape {
		if xShape[i] != d && xShape[i] != 1 {
			shapeErr(fn, "xShape[%d] = %d, want outShape[%d] = %d or 1 (shapes %s, %s)", i, xShape[i], i, d, dims(xShape), dims(outShape))
		}
	}
	wantLen(fn, "x", len(x), n, "product of xShape %s", xShape)
	wantLen(fn, "dst", len(dst), total, "product of outShape %s", outShape)
	noOverlap(fn, "dst", "x", dst, x)
	if total == 0 {
		return
	}
	var stBuf [maxRank]int
	st := stridesInto(stBuf[:0], xShape)
	for i, d := range xShape {
		if d == 1 {
			st[i] = 0
		}
	}
	copyStrided(dst, x, 0, outShape, st)
}

// Gather is ONNX Gather along one axis, with data seen as
// outer×axisLen×inner: for each outer block o and each position j of idx,
// dst[o][j] = data[o][idx[j]] (inner values), where a negative index
// counts from the end (idx[j] + axisLen). Every index must lie in
// [-axisLen, axisLen) (checked first: the error names the first bad one).
// len(data) = outer·axisLen·inner, len(dst) = outer·len(idx)·inner; dst
// must not overlap data.
func Gather(dst, data []float32, idx []int64, outer, axisLen, inner int) {
	const fn = "Gather"
	atLeast(fn, "outer", outer, 0)
	atLeast(fn, "axisLen", axisLen, 0)
	atLeast(fn, "inner", inner, 0)
	wantLen(fn, "data", len(data), mulSize(fn, "data", mulSize(fn, "data", outer, axisLen), inner), "outer*axisLen*inner = %d*%d*%d", outer, axisLen, inner)
	wantLen(fn, "dst", len(dst), mulSize(fn, "dst", mulSize(fn, "dst", outer, len(idx)), inner), "outer*len(idx)*inner = %d*%d*%d", outer, len(idx), inner)
	for j, v := range idx {
		if v < -int64(axisLen) || v >= int64(axisLen) {
			shapeErr(fn, "idx[%d] = %s, want -%d..%d (axis of length %d)", j, itoa64(v), axisLen, axisLen-1, axisLen)
		}
	}
	noOverlap(fn, "dst", "data", dst, data)
	k := len(idx)
	for o := range outer {
		for j, v := range idx {
			i := int(v)
			if i < 0 {
				i += axisLen
			}
			copy(dst[(o*k+j)*inner:(o*k+j+1)*inner], data[(o*axisLen+i)*inner:(o*axisLen+i+1)*inner])
		}
	}
}

// itoa64 formats v (sprintf takes int, which is 64-bit everywhere Go
// runs for this package, but idx is int64 by type).
func itoa64(v int64) string { return sprintf("%d", int(v)) }
