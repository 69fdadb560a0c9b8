package importer

import (
	"fmt"

	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/pwagen/pwagen/kernels"
)

// The token tier of the wasm back end: typed integer and boolean inputs,
// Expand, Where, Compare and GatherF (token ids looked up at run time).
// All of it selects or copies values, or compares them: exact.

// bcast is numpy broadcasting of several operands over out: per operand
// the element strides of out's axes (0 where it repeats).
func bcast(out []int, shapes ...[]int) [][]int {
	st := make([][]int, len(shapes))
	for k, s := range shapes {
		st[k] = make([]int, len(out))
		acc := 1
		for i := len(s) - 1; i >= 0; i-- {
			if s[i] == out[i] {
				st[k][i] = acc
			}
			acc *= s[i]
		}
	}
	return st
}

// rowsOf walks out's axes but the last, calling f with each operand's
// element offset of the row; the last axis is n values at strides last.
func (w *wgen) rowsOf(out []int, st [][]int, f func(o int, offs []int, n int, last []int)) error {
	r := len(out)
	if r == 0 {
		out, r = []int{1}, 1
		for k := range st {
			st[k] = []int{0}
		}
	}
	n := out[r-1]
	rows := Len(out[:r-1])
	if rows > maxUnroll {
		return w.unsupported("%d rows, over the %d the wasm back end unrolls", rows, maxUnroll)
	}
	last := make([]int, len(st))
	for k := range st {
		last[k] = st[k][r-1]
	}
	idx := make([]int, r-1)
	offs := make([]int, len(st))
	for o := 0; o < rows; o++ {
		f(o, append([]int(nil), offs...), n, last)
		for d := r - 2; d >= 0; d-- {
			idx[d]++
			for k := range st {
				offs[k] += st[k][d]
			}
			if idx[d] < out[d] {
				break
			}
			for k := range st {
				offs[k] -= st[k][d] * out[d]
			}
			idx[d] = 0
		}
	}
	return nil
}

func (w *wgen) expand(dst, x *Value, outShape, xShape []int) error {
	return w.strided(w.addr(dst), w.addr(x), outShape, bcast(outShape, xShape)[0])
}

func (w *wgen) where(dst, cond, a, b *Value, out, cs, as, bs []int) error {
	st := bcast(out, cs, as, bs)
	return w.rowsOf(out, st, func(o int, offs []int, n int, last []int) {
		w.body.I32(int32(w.addr(dst) + uint32(4*o*n)))
		for k, v := range []*Value{cond, a, b} {
			w.body.I32(int32(w.addr(v) + uint32(4*offs[k])))
		}
		w.body.I32(int32(n))
		for _, s := range last {
			w.body.I32(int32(4 * s))
		}
		w.callHelper("where")
	})
}

func (w *wgen) compare(dst, a, b *Value, op kernels.CmpOp, out, as, bs []int) error {
	if op > kernels.CmpNotEqual {
		return w.unsupported("comparison %d has no WebAssembly lowering", op)
	}
	st := bcast(out, as, bs)
	return w.rowsOf(out, st, func(o int, offs []int, n int, last []int) {
		w.body.I32(int32(w.addr(dst) + uint32(4*o*n)))
		w.body.I32(int32(w.addr(a) + uint32(4*offs[0])))
		w.body.I32(int32(w.addr(b) + uint32(4*offs[1])))
		w.body.I32(int32(n)).I32(int32(4 * last[0])).I32(int32(4 * last[1]))
		w.callHelper(fmt.Sprintf("cmp%d", op))
	})
}

// gatherF checks every index, then copies; a bad index ends predict with
// an error naming the node.
func (w *wgen) gatherF(dst, data, idx *Value, outer, axisLen, inner int) error {
	if dst.Len() == 0 {
		return nil
	}
	// The Go back end's message: "model: kernels.GatherF: index 3 is 10,
	// want a whole number in [-10, 10)".
	pre := w.str("model: kernels.GatherF: index ")
	suf := w.str(fmt.Sprintf(", want a whole number in [-%d, %d)", axisLen, axisLen))
	w.declare("itoa")
	w.declare("gatherr")
	w.body.I32(int32(w.addr(dst))).I32(int32(w.addr(data))).I32(int32(w.addr(idx))).
		I32(int32(idx.Len())).I32(int32(outer)).I32(int32(axisLen)).I32(int32(4 * inner))
	w.callHelper("gather")
	w.body.Tee(0).If().
		Get(0).I32(1).Op(wasmbin.OpI32Sub).
		Get(0).I32(4).Op(wasmbin.OpI32Mul).I32(int32(w.addr(idx) - 4)).Op(wasmbin.OpI32Add).F32Load(0).
		I32(int32(w.errBuf)).I32(int32(pre)).I32(int32(w.strLen(pre))).I32(int32(suf)).I32(int32(w.strLen(suf))).
		Call(w.helpers["gatherr"]).Op(wasmbin.OpReturn).End()
	return nil
}

// gatherErrBody writes the message of a bad index and returns -1: params
// k 0, f 1 (f32), buf 2, pre 3, preLen 4, suf 5, sufLen 6; locals p 7, v 8
// (i64). It prints the index as Go's kernels.ftoa does: the whole part,
// then ".…" when there is a fraction; NaN as NaN.
func gatherErrBody(itoa, errPtr, errLen uint32) []byte {
	var c wasmbin.Code
	c.Get(2).Get(3).Get(4).MemoryCopy().
		Get(2).Get(4).Op(wasmbin.OpI32Add).Get(0).Op(0xad).Call(itoa).Set(7).
		Get(7).I32(0x20736920).I32Store(0). // " is "
		Get(7).I32(4).Op(wasmbin.OpI32Add).Set(7).
		Get(1).Get(1).Op(0x5c).If(). // NaN
		Get(7).I32(0x4e614e).I32Store(0).
		Get(7).I32(3).Op(wasmbin.OpI32Add).Set(7).
		Op(wasmbin.OpElse).
		Get(1).Op(0xfc, 4).Set(8). // i64.trunc_sat_f32_s
		Get(7).Get(8).Call(itoa).Set(7).
		Get(8).Op(0xb4).Get(1).Op(0x5c).If(). // a fraction
		Get(7).I32(-0x597f1dd2).I32Store(0).  // ".…" in UTF-8: 2e e2 80 a6
		Get(7).I32(4).Op(wasmbin.OpI32Add).Set(7).
		End().
		End().
		Get(7).Get(5).Get(6).MemoryCopy().
		Get(2).GSet(errPtr).
		Get(7).Get(6).Op(wasmbin.OpI32Add).Get(2).Op(wasmbin.OpI32Sub).GSet(errLen).
		I32(-1)
	return c.B
}

// itoaBody writes v in decimal at p and returns the end: params p 0, v 1
// (i64); locals n 2, t 3 (i64).
func itoaBody() []byte {
	var c wasmbin.Code
	c.Get(1).I64(0).Op(0x53).If(). // v < 0
					Get(0).I32('-').Op(0x3a, 0, 0). // i32.store8
					Get(0).I32(1).Op(wasmbin.OpI32Add).Set(0).
					I64(0).Get(1).Op(0x7d).Set(1). // v = -v
					End().
					I32(1).Set(2).Get(1).Set(3).
					Block().Loop().
					Get(3).I64(10).Op(0x54).BrIf(1). // t < 10 (unsigned)
					Get(3).I64(10).Op(0x80).Set(3).  // t /= 10 (unsigned)
					Get(2).I32(1).Op(wasmbin.OpI32Add).Set(2).
					Br(0).End().End().
					Get(0).Get(2).Op(wasmbin.OpI32Add).Set(0).
					Get(0).Set(2). // n is now the end; walk back from it
					Block().Loop().
					Get(2).I32(1).Op(wasmbin.OpI32Sub).Set(2).
					Get(2).Get(1).I64(10).Op(0x82).Op(0xa7).I32('0').Op(wasmbin.OpI32Add).Op(0x3a, 0, 0). // '0' + v%10
					Get(1).I64(10).Op(0x80).Tee(1).
					I64(0).Op(0x52).BrIf(0). // v != 0
					End().End().
					Get(0)
	return c.B
}

// Helper bodies.

// whereBody: params dst 0, c 1, a 2, b 3, n 4, sc 5, sa 6, sb 7 (bytes);
// local end 8.
func whereBody() []byte {
	var c wasmbin.Code
	c.Get(0).Get(4).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(8).
		Block().Loop().
		Get(0).Get(8).Op(0x4f).BrIf(1).
		Get(0).Get(2).I32Load(0).Get(3).I32Load(0).
		Get(1).F32Load(0).F32(0).Op(0x5c). // f32.ne: cond != 0
		Op(0x1b).I32Store(0).              // select
		Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
		Get(1).Get(5).Op(wasmbin.OpI32Add).Set(1).
		Get(2).Get(6).Op(wasmbin.OpI32Add).Set(2).
		Get(3).Get(7).Op(wasmbin.OpI32Add).Set(3).
		Br(0).End().End()
	return c.B
}

// cmpBody: params dst 0, a 1, b 2, n 3, sa 4, sb 5 (bytes); locals end 6,
// x 7 (f32), y 8 (f32).
func cmpBody(op kernels.CmpOp) []byte {
	var c wasmbin.Code
	c.Get(0).Get(3).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(6).
		Block().Loop().
		Get(0).Get(6).Op(0x4f).BrIf(1).
		Get(0).
		Get(1).F32Load(0).Set(7).Get(2).F32Load(0).Set(8)
	nz := func(l uint32) { c.Get(l).F32(0).Op(0x5c) } // != 0
	switch op {
	case kernels.CmpEqual:
		c.Get(7).Get(8).Op(0x5b)
	case kernels.CmpNotEqual:
		c.Get(7).Get(8).Op(0x5c)
	case kernels.CmpLess:
		c.Get(7).Get(8).Op(0x5d)
	case kernels.CmpGreater:
		c.Get(7).Get(8).Op(0x5e)
	case kernels.CmpLessEq:
		c.Get(7).Get(8).Op(0x5f)
	case kernels.CmpGreaterEq:
		c.Get(7).Get(8).Op(0x60)
	case kernels.CmpAnd:
		nz(7)
		nz(8)
		c.Op(0x71)
	case kernels.CmpOr:
		nz(7)
		nz(8)
		c.Op(0x72)
	case kernels.CmpXor:
		nz(7)
		nz(8)
		c.Op(0x73)
	}
	c.Op(0xb3).F32Store(0). // f32.convert_i32_s: 1 or 0
				Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
				Get(1).Get(4).Op(wasmbin.OpI32Add).Set(1).
				Get(2).Get(5).Op(wasmbin.OpI32Add).Set(2).
				Br(0).End().End()
	return c.B
}

// gatherBody: params dst 0, data 1, idx 2, nidx 3, outer 4, axisLen 5,
// innerBytes 6; locals p 7, end 8, f 9 (f32), i 10, o 11. Returns 0, or
// k+1 when index k is not a whole number in [-axisLen, axisLen).
func gatherBody() []byte {
	var c wasmbin.Code
	// Check: every f must satisfy trunc(f) == f and -axisLen <= f < axisLen
	// (compared as f32: axisLen is exact, below 2^24).
	c.Get(2).Set(7).Get(2).Get(3).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(8).
		Block().Loop().
		Get(7).Get(8).Op(0x4f).BrIf(1).
		Get(7).F32Load(0).Set(9).
		Get(9).Op(0x8f).Get(9).Op(0x5c). // f32.trunc(f) != f (NaN too)
		Get(9).Get(5).Op(0xb2).Op(0x60). // f >= float(axisLen)
		Op(0x72).
		Get(9).I32(0).Get(5).Op(wasmbin.OpI32Sub).Op(0xb2).Op(0x5d). // f < -axisLen
		Op(0x72).If().Get(7).Get(2).Op(wasmbin.OpI32Sub).I32(4).Op(0x6d).I32(1).Op(wasmbin.OpI32Add).Op(wasmbin.OpReturn).End().
		Get(7).I32(4).Op(wasmbin.OpI32Add).Set(7).
		Br(0).End().End()
	// Copy: for o < outer, for each index: inner values.
	c.Block().Loop().
		Get(4).Op(wasmbin.OpI32Eqz).BrIf(1).
		Get(2).Set(7).
		Block().Loop().
		Get(7).Get(8).Op(0x4f).BrIf(1).
		Get(7).F32Load(0).Op(0xa8).Set(10). // i32.trunc_f32_s
		Get(10).I32(0).Op(wasmbin.OpI32LtS).If().Get(10).Get(5).Op(wasmbin.OpI32Add).Set(10).End().
		Get(0).Get(1).Get(10).Get(6).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Get(6).MemoryCopy().
		Get(0).Get(6).Op(wasmbin.OpI32Add).Set(0).
		Get(7).I32(4).Op(wasmbin.OpI32Add).Set(7).
		Br(0).End().End().
		Get(1).Get(5).Get(6).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(1).
		Get(4).I32(1).Op(wasmbin.OpI32Sub).Set(4).
		Br(0).End().End().
		I32(0)
	return c.B
}

// cvtBody converts n typed values at src to float32 at dst, returning 0
// when one lies outside ±2^24 (the integers float32 holds exactly).
// params dst 0, src 1, n 2; locals end 3, v 4 (i64).
func cvtBody(dtype string) []byte {
	size := map[string]int32{"int64": 8, "int32": 4, "uint8": 1, "bool": 1}[dtype]
	var c wasmbin.Code
	c.Get(0).Get(2).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(3).
		Block().Loop().
		Get(0).Get(3).Op(0x4f).BrIf(1).
		Get(1)
	switch dtype {
	case "int64":
		c.I64Load(0)
	case "int32":
		c.I32Load(0).Op(0xac) // i64.extend_i32_s
	case "uint8":
		c.Op(0x2d, 0, 0).Op(0xad) // i32.load8_u, i64.extend_i32_u
	case "bool":
		c.Op(0x2d, 0, 0).I32(0).Op(wasmbin.OpI32Ne).Op(0xad)
	}
	c.Set(4).
		Get(4).I64(1 << 24).Op(0x55).  // i64.gt_s
		Get(4).I64(-1 << 24).Op(0x53). // i64.lt_s
		Op(0x72).If().I32(0).Op(wasmbin.OpReturn).End().
		Get(0).Get(4).Op(0xb4).F32Store(0). // f32.convert_i64_s
		Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
		Get(1).I32(size).Op(wasmbin.OpI32Add).Set(1).
		Br(0).End().End().
		I32(1)
	return c.B
}

// encBody writes n float32 values at src into the typed output buffer at
// dst as dtype, as the Go module's encodeOutputs: int64(v), int32(v) and
// byte(v) are Go's conversions on GOARCH=wasm, i64.trunc_sat_f32_s and the
// low 8, 4 or 1 bytes of it; a bool is v != 0 (NaN too). params dst 0,
// src 1, n 2; local end 3.
func encBody(dtype string) []byte {
	size := map[string]int32{"int64": 8, "int32": 4, "uint8": 1, "bool": 1}[dtype]
	var c wasmbin.Code
	c.Get(1).Get(2).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(3).
		Block().Loop().
		Get(1).Get(3).Op(0x4f).BrIf(1).
		Get(0).Get(1).F32Load(0)
	if dtype == "bool" {
		c.F32(0).Op(0x5c).Op(0x3a, 0, 0) // f32.ne, i32.store8
	} else {
		c.Op(0xfc, 4) // i64.trunc_sat_f32_s
		switch dtype {
		case "int64":
			c.Op(0x37, 3, 0) // i64.store
		case "int32":
			c.Op(0x3e, 2, 0) // i64.store32
		case "uint8":
			c.Op(0x3c, 0, 0) // i64.store8
		}
	}
	c.Get(0).I32(size).Op(wasmbin.OpI32Add).Set(0).
		Get(1).I32(4).Op(wasmbin.OpI32Add).Set(1).
		Br(0).End().End()
	return c.B
}
