package kernels

// Comparisons, selection and gathers over tensors that hold integers or
// booleans. An imported model carries its run-time integer and boolean
// tensors (token ids, attention masks) as float32 holding exact values: 0
// and 1 for booleans, integers up to 2^24 for ids. The importer checks
// inputs against that range at the boundary.

// CmpOp names a comparison or logical operator; its result is 1 or 0.
type CmpOp uint8

// The comparisons and logical operators.
const (
	CmpEqual     CmpOp = iota // a == b
	CmpLess                   // a < b
	CmpLessEq                 // a <= b
	CmpGreater                // a > b
	CmpGreaterEq              // a >= b
	CmpAnd                    // a != 0 && b != 0
	CmpOr                     // a != 0 || b != 0
	CmpXor                    // (a != 0) != (b != 0)
	CmpNotEqual               // a != b
)

// bcastIndex returns, for an index of out, the index into a tensor of
// shape s broadcast to out (same rank; s[i] is out[i] or 1).
// The strides are in buf's room (see ints).
func bcastStrides(fn string, buf, out, s []int) []int {
	if len(s) != len(out) {
		shapeErr(fn, "rank %d against the output's %d", len(s), len(out))
	}
	st := ints(buf, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		switch {
		case s[i] == out[i]:
			st[i] = acc
		case s[i] == 1:
			st[i] = 0
		default:
			shapeErr(fn, "axis %d has %d, want %d or 1", i, s[i], out[i])
		}
		acc *= s[i]
	}
	return st
}

func volume(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// walk calls f for every index of out with the matching indices of the
// broadcast inputs (len(st) <= 3).
func walk(out []int, st [][]int, f func(i int, j [3]int)) {
	n := volume(out)
	var idxBuf [maxRank]int
	idx := ints(idxBuf[:0], len(out))
	clear(idx)
	var j [3]int // by value: a slice passed to f would escape to the heap
	for i := 0; i < n; i++ {
		f(i, j)
		for d := len(out) - 1; d >= 0; d-- {
			idx[d]++
			for k := range st {
				j[k] += st[k][d]
			}
			if idx[d] < out[d] {
				break
			}
			for k := range st {
				j[k] -= st[k][d] * out[d]
			}
			idx[d] = 0
		}
	}
}

// Compare sets dst = (a op b) as 1 or 0, with numpy broadcasting (shapes of
// the same rank).
func Compare(dst, a, b []float32, op CmpOp, out, aShape, bShape []int) {
	var aBuf, bBuf [maxRank]int
	sa, sb := bcastStrides("Compare", aBuf[:0], out, aShape), bcastStrides("Compare", bBuf[:0], out, bShape)
	if len(dst) != volume(out) || len(a) != volume(aShape) || len(b) != volume(bShape) {
		shapeErr("Compare", "len(dst), len(a), len(b) = %d, %d, %d, want %d, %d, %d", len(dst), len(a), len(b), volume(out), volume(aShape), volume(bShape))
	}
	st := [2][]int{sa, sb}
	walk(out, st[:], func(i int, j [3]int) {
		x, y := a[j[0]], b[j[1]]
		var r bool
		switch op {
		case CmpEqual:
			r = x == y
		case CmpLess:
			r = x < y
		case CmpLessEq:
			r = x <= y
		case CmpGreater:
			r = x > y
		case CmpGreaterEq:
			r = x >= y
		case CmpAnd:
			r = x != 0 && y != 0
		case CmpOr:
			r = x != 0 || y != 0
		case CmpXor:
			r = (x != 0) != (y != 0)
		case CmpNotEqual:
			r = x != y
		}
		dst[i] = 0
		if r {
			dst[i] = 1
		}
	})
}

// Where sets dst = cond != 0 ? a : b, with numpy broadcasting.
func Where(dst, cond, a, b []float32, out, cShape, aShape, bShape []int) {
	var cBuf, aBuf, bBuf [maxRank]int
	sc, sa, sb := bcastStrides("Where", cBuf[:0], out, cShape), bcastStrides("Where", aBuf[:0], out, aShape), bcastStrides("Where", bBuf[:0], out, bShape)
	if len(dst) != volume(out) || len(cond) != volume(cShape) || len(a) != volume(aShape) || len(b) != volume(bShape) {
		shapeErr("Where", "lengths %d, %d, %d, %d do not match the shapes", len(dst), len(cond), len(a), len(b))
	}
	st := [3][]int{sc, sa, sb}
	walk(out, st[:], func(i int, j [3]int) {
		if cond[j[0]] != 0 {
			dst[i] = a[j[1]]
		} else {
			dst[i] = b[j[2]]
		}
	})
}

// GatherF is Gather with indices computed at run time (token ids, held as
// float32): an index that is not a whole number in [-axisLen, axisLen)
// panics with a *ShapeError naming it, before anything is written.
func GatherF(dst, data, idx []float32, outer, axisLen, inner int) {
	if len(data) != outer*axisLen*inner || len(dst) != outer*len(idx)*inner {
		shapeErr("GatherF", "len(data) = %d, len(dst) = %d; want outer*axisLen*inner = %d and outer*len(idx)*inner = %d", len(data), len(dst), outer*axisLen*inner, outer*len(idx)*inner)
	}
	for k, f := range idx {
		i := int(f)
		if float32(i) != f || i < -axisLen || i >= axisLen {
			shapeErr("GatherF", "index %d is %s, want a whole number in [-%d, %d)", k, ftoa(f), axisLen, axisLen)
		}
	}
	for o := 0; o < outer; o++ {
		for k, f := range idx {
			i := int(f)
			if i < 0 {
				i += axisLen
			}
			copy(dst[(o*len(idx)+k)*inner:(o*len(idx)+k+1)*inner], data[(o*axisLen+i)*inner:(o*axisLen+i+1)*inner])
		}
	}
}

// ftoa formats an index for a message (the package leaves out strconv's
// float formatting to stay small): whole part and a sign.
func ftoa(f float32) string {
	if f != f {
		return "NaN"
	}
	s := sprintf("%d", int(f))
	if float32(int(f)) != f {
		s += ".…"
	}
	return s
}

// Trunc sets dst[i] to x[i] rounded toward zero: Cast from float to an
// integer type.
func Trunc(dst, x []float32) {
	sameLen("Trunc", "len(dst), len(x)", len(dst), len(x))
	for i, v := range x {
		dst[i] = float32(int64(v))
		if v != v {
			dst[i] = 0
		}
	}
}
