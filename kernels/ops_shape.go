package kernels

// Transpose permutes the axes of x (of shape) into dst: output axis i is
// input axis perm[i], so dst has shape shape[perm[0]]×shape[perm[1]]×…
// perm is a permutation of 0..len(shape)-1. len(x) = len(dst) = the
// product of shape; dst must not overlap x. Axes that stay neighbours
// are merged first; a permutation that keeps the last axis copies whole
// rows, and a 2-D transpose runs in cache blocks.
func Transpose(dst, x []float32, shape, perm []int) {
	const fn = "Transpose"
	sameRank(fn, "shape", shape, []string{"perm"}, perm)
	n := size(fn, "shape", shape)
	var seenBuf [maxRank]bool
	var seen []bool
	if len(shape) <= maxRank {
		seen = seenBuf[:len(shape)]
	} else {
		seen = make([]bool, len(shape))
	}
	for _, a := range perm {
		if a < 0 || a >= len(shape) || seen[a] {
			shapeErr(fn, "perm = %s, want a permutation of 0..%d", list(perm), len(shape)-1)
		}
		seen[a] = true
	}
	wantLen(fn, "x", len(x), n, "product of shape %s", shape)
	wantLen(fn, "dst", len(dst), n, "product of shape %s", shape)
	noOverlap(fn, "dst", "x", dst, x)
	if n == 0 {
		return
	}
	var inBuf, outBuf, stBuf, mdBuf, msBuf [maxRank]int
	in := stridesInto(inBuf[:0], shape)
	out, st := ints(outBuf[:0], len(perm)), ints(stBuf[:0], len(perm))
	for i, a := range perm {
		out[i], st[i] = shape[a], in[a]
	}
	out, st = mergeAxes(mdBuf[:0], msBuf[:0], out, st)
	if len(out) == 2 && st[1] != 1 && st[0] == 1 {
		transpose2D(dst, x, out[0], out[1], st[1])
		return
	}
	copyStrided(dst, x, 0, out, st)
}

// transpose2D sets dst (r×c) to the transpose of x (c×r, row stride s = r).
func transpose2D(dst, x []float32, r, c, s int) {
	const b = 16
	for i0 := 0; i0 < r; i0 += b {
		for j0 := 0; j0 < c; j0 += b {
			for i := i0; i < min(i0+b, r); i++ {
				row := dst[i*c : (i+1)*c]
				for j := j0; j < min(j0+b, c); j++ {
					row[j] = x[j*s+i]
				}
			}
		}
	}
}

// maxRank is the rank up to which the kernels' walks keep their index
// and stride arrays on the stack, so a model's predict allocates nothing;
// a higher rank allocates them.
const maxRank = 8

// ints is buf[:n], buf being empty with room for maxRank (a stack
// array's slice), or a new slice when n is over that.
func ints(buf []int, n int) []int {
	if n <= cap(buf) {
		return buf[:n]
	}
	return make([]int, n)
}

// stridesInto sets the row-major strides of shape in buf's room (see
// ints).
func stridesInto(buf, shape []int) []int {
	s := ints(buf, len(shape))
	st := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = st
		st *= shape[i]
	}
	return s
}

// mergeAxes drops axes of length 1 and merges an axis into the one before
// it where the two walk memory as one (stride[i] = stride[i+1]·dim[i+1]),
// appending to od[:0] and os[:0] (stack arrays' slices, or nil).
func mergeAxes(od, os, d, st []int) ([]int, []int) {
	od, os = od[:0], os[:0]
	for i := range d {
		if d[i] == 1 {
			continue
		}
		if k := len(od) - 1; k >= 0 && os[k] == st[i]*d[i] {
			od[k] *= d[i]
			os[k] = st[i]
			continue
		}
		od, os = append(od, d[i]), append(os, st[i])
	}
	return od, os
}

// copyStrided sets dst, in row-major order over dims d, to x[base + Σ
// index[i]·st[i]]: the walk under Transpose, Slice and Expand. Lengths
// were checked by the caller.
func copyStrided(dst, x []float32, base int, d, st []int) {
	var mdBuf, msBuf, idxBuf [maxRank]int
	d, st = mergeAxes(mdBuf[:0], msBuf[:0], d, st)
	if len(d) == 0 {
		dst[0] = x[base]
		return
	}
	r := len(d)
	inner, is := d[r-1], st[r-1]
	idx := ints(idxBuf[:0], r)
	clear(idx)
	off := base
	for o := 0; o < len(dst); o += inner {
		row := dst[o : o+inner]
		switch is {
		case 1:
			copy(row, x[off:off+inner])
		case 0:
			v := x[off]
			for i := range row {
				row[i] = v
			}
		default:
			for i := range row {
				row[i] = x[off+i*is]
			}
		}
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			off += st[ax]
			if idx[ax] < d[ax] {
				break
			}
			off -= st[ax] * d[ax]
			idx[ax] = 0
		}
	}
}

// Concat joins srcs along one axis. Seen around that axis, each srcs[i]
// is outer×inner[i] (inner[i] = its axis length times the product of the
// axes after it), and dst is outer×Σinner: for each outer block, the
// blocks of srcs[0], srcs[1], … in order. len(srcs) = len(inner);
// len(srcs[i]) = outer·inner[i]; dst must not overlap any src.
func Concat(dst []float32, srcs [][]float32, outer int, inner []int) {
	const fn = "Concat"
	atLeast(fn, "outer", outer, 0)
	if len(srcs) != len(inner) {
		shapeErr(fn, "len(srcs) = %d, want len(inner) = %d", len(srcs), len(inner))
	}
	row := 0
	for i, in := range inner {
		if in < 0 || in > maxSize {
			shapeErr(fn, "inner[%d] = %d, want 0..2^31-1", i, in)
		}
		row = mulSize(fn, "sum of inner", 1, row+in)
		if want := mulSize(fn, "src", outer, in); len(srcs[i]) != want {
			shapeErr(fn, "len(srcs[%d]) = %d, want outer*inner[%d] = %d*%d = %d", i, len(srcs[i]), i, outer, in, want)
		}
		if overlap(dst, srcs[i]) {
			shapeErr(fn, "dst overlaps srcs[%d]; use separate buffers", i)
		}
	}
	wantLen(fn, "dst", len(dst), mulSize(fn, "dst", outer, row), "outer*sum(inner) = %d*%d", outer, row)
	off := 0
	for o := range outer {
		for i, in := range inner {
			copy(dst[off:off+in], srcs[i][o*in:(o+1)*in])
			off += in
		}
	}
}
