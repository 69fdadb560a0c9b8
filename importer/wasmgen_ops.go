package importer

import (
	"math"
	"strings"

	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/pwagen/pwagen/kernels"
)

// The transformer tier of the wasm back end: MatMul, LayerNorm, broadcast
// binary ops and the data movement ops (Transpose, Slice, Concat, Pad) as
// strided copies. Data movement is exact whatever the order; the binary
// loops are one float32 operation per value, as the Go loops.

// maxUnroll bounds the calls one node may unroll into.
const maxUnroll = 4096

// helperSigs are the generated helpers: name → signature. binary helpers
// are named "bin" + op + kind (vv, vs, sv).
func helperSig(name string) wasmbin.FuncType {
	switch name {
	case "rowsum", "rowsumlog":
		return wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ii}}
	case "rowmax":
		return wasmbin.FuncType{Params: []byte{ii, ii, ii, ii}}
	case "copy2":
		return wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ii}}
	case "fill":
		return wasmbin.FuncType{Params: []byte{ii, ii, ff}}
	case "where":
		return wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ii, ii}}
	case "gather":
		return wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ii}, Results: []byte{ii}}
	case "itoa":
		return wasmbin.FuncType{Params: []byte{ii, wasmbin.I64}, Results: []byte{ii}}
	case "gatherr":
		return wasmbin.FuncType{Params: []byte{ii, ff, ii, ii, ii, ii, ii}, Results: []byte{ii}}
	case "scales8":
		return wasmbin.FuncType{Params: []byte{ii, ii, ii, ii}}
	case "widenq8":
		return wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii}}
	case "widenf16":
		return wasmbin.FuncType{Params: []byte{ii, ii, ii}}
	}
	if strings.HasPrefix(name, "actelu") {
		return wasmbin.FuncType{Params: []byte{ii, ii, ii, ff, ff}}
	}
	switch name {
	case "softplus":
		return wasmbin.FuncType{Params: []byte{ii, ii, ii}}
	case "exp64", "log64", "tanh64", "expm1n64", "erf64", "log1p64":
		return wasmbin.FuncType{Params: []byte{wasmbin.F64}, Results: []byte{wasmbin.F64}}
	case "pow64":
		return wasmbin.FuncType{Params: []byte{wasmbin.F64, wasmbin.F64}, Results: []byte{wasmbin.F64}}
	case "softmaxs":
		return wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii}}
	}
	if strings.HasPrefix(name, "actmath") || strings.HasPrefix(name, "actelem") {
		return wasmbin.FuncType{Params: []byte{ii, ii, ii}}
	}
	if strings.HasPrefix(name, "cmp") {
		return wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii}}
	}
	if strings.HasPrefix(name, "enc_") {
		return wasmbin.FuncType{Params: []byte{ii, ii, ii}}
	}
	if strings.HasPrefix(name, "cvt_") {
		return wasmbin.FuncType{Params: []byte{ii, ii, ii}, Results: []byte{ii}}
	}
	return wasmbin.FuncType{Params: []byte{ii, ii, ii, ii}} // bin*
}

// callHelper emits a call of a generated helper, declaring it the first
// time.
func (w *wgen) callHelper(name string) {
	w.declare(name)
	w.body.Call(w.helpers[name])
}

// declare notes that the module needs a helper; GenerateWasm defines the
// helpers after the first pass, before generating the bodies for real.
func (w *wgen) declare(name string) {
	if _, ok := w.helpers[name]; !ok {
		w.helperOrder = append(w.helperOrder, name)
		w.helpers[name] = 0
	}
}

// copy2 emits a strided copy: for i < n1, j < n2: dst[i·d1 + j] =
// src[i·s1 + j·s2] (strides in values; dst rows contiguous).
func (w *wgen) copy2(dst, src uint32, n1, s1, d1, n2, s2 int) {
	if n1 == 0 || n2 == 0 {
		return
	}
	if n1 == 1 && s2 == 1 || (s2 == 1 && s1 == n2 && d1 == n2) {
		w.body.I32(int32(dst)).I32(int32(src)).I32(int32(4 * n1 * n2)).MemoryCopy()
		return
	}
	w.body.I32(int32(dst)).I32(int32(src)).I32(int32(n1)).I32(int32(4 * s1)).I32(int32(4 * d1)).I32(int32(n2)).I32(int32(4 * s2))
	w.callHelper("copy2")
}

// strided copies the tensor of shape out whose element (i…) is src[base +
// Σ i_k·st_k] into dst, contiguous: size-1 axes dropped, mergeable axes
// merged, the last two axes one copy2 call, the outer ones unrolled.
func (w *wgen) strided(dst, src uint32, out, st []int) error {
	var n, s []int
	for i, d := range out {
		if d == 1 {
			continue
		}
		if k := len(n) - 1; k >= 0 && s[k] == st[i]*d {
			n[k] *= d
			s[k] = st[i]
			continue
		}
		n, s = append(n, d), append(s, st[i])
	}
	for len(n) < 2 {
		n, s = append([]int{1}, n...), append([]int{0}, s...)
	}
	r := len(n)
	outer := 1
	for _, d := range n[:r-2] {
		outer *= d
	}
	if outer == 0 || n[r-1]*n[r-2] == 0 {
		return nil
	}
	if outer > maxUnroll {
		return w.unsupported("a copy of %d blocks, over the %d the wasm back end unrolls", outer, maxUnroll)
	}
	idx := make([]int, r-2)
	for o := 0; o < outer; o++ {
		off := 0
		for k, i := range idx {
			off += i * s[k]
		}
		w.copy2(dst+uint32(4*o*n[r-2]*n[r-1]), uint32(int(src)+4*off), n[r-2], s[r-2], n[r-1], n[r-1], s[r-1])
		for k := len(idx) - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < n[k] {
				break
			}
			idx[k] = 0
		}
	}
	return nil
}

func stridesOf(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

func (w *wgen) transpose(dst, x *Value, shape, perm []int) error {
	st := stridesOf(shape)
	out := make([]int, len(perm))
	ost := make([]int, len(perm))
	for i, p := range perm {
		out[i], ost[i] = shape[p], st[p]
	}
	return w.strided(w.addr(dst), w.addr(x), out, ost)
}

func (w *wgen) slice(dst, x *Value, shape, starts, steps, outShape []int) error {
	st := stridesOf(shape)
	base := 0
	step := make([]int, len(shape))
	for i := range shape {
		base += starts[i] * st[i]
		step[i] = steps[i] * st[i]
	}
	return w.strided(w.addr(dst), uint32(int(w.addr(x))+4*base), outShape, step)
}

func (w *wgen) concat(dst *Value, srcs []*Value, outer int, inner []int) error {
	row := 0
	for _, in := range inner {
		row += in
	}
	off := 0
	for i, src := range srcs {
		w.copy2(w.addr(dst)+uint32(4*off), w.addr(src), outer, inner[i], row, inner[i], 1)
		off += inner[i]
	}
	return nil
}

func (w *wgen) pad(dst, x *Value, shape, begin, end []int, mode kernels.PadMode, value float32) error {
	if mode != kernels.PadConstant {
		return w.unsupported("reflect and edge padding run as Go code in the Go back end")
	}
	for i := range begin {
		if begin[i] < 0 || end[i] < 0 {
			return w.unsupported("negative pads (cropping) run as Go code in the Go back end")
		}
	}
	out := make([]int, len(shape))
	for i := range shape {
		out[i] = shape[i] + begin[i] + end[i]
	}
	if n := Len(out); n > 0 {
		w.body.I32(int32(w.addr(dst))).I32(int32(n)).F32(value)
		w.callHelper("fill")
	}
	// The interior: x's shape, at begin, with dst's strides.
	ost := stridesOf(out)
	base := 0
	for i := range begin {
		base += begin[i] * ost[i]
	}
	// Rows of x's last axis are contiguous in both: copy them one by one
	// through copy2 over the last two axes, unrolling the rest.
	r := len(shape)
	if r == 0 || Len(shape) == 0 {
		return nil
	}
	if r == 1 {
		w.copy2(w.addr(dst)+uint32(4*base), w.addr(x), 1, 0, 0, shape[0], 1)
		return nil
	}
	outer := Len(shape[:r-2])
	if outer > maxUnroll {
		return w.unsupported("a pad of %d blocks, over the %d the wasm back end unrolls", outer, maxUnroll)
	}
	ist := stridesOf(shape)
	idx := make([]int, r-2)
	for o := 0; o < outer; o++ {
		doff, soff := base, 0
		for k, i := range idx {
			doff += i * ost[k]
			soff += i * ist[k]
		}
		w.copy2(w.addr(dst)+uint32(4*doff), w.addr(x)+uint32(4*soff), shape[r-2], shape[r-1], ost[r-2], shape[r-1], 1)
		for k := len(idx) - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return nil
}

func (w *wgen) matmul(dst, a, b *Value, p kernels.MatMulParams) error {
	if dst.Len() == 0 {
		return nil
	}
	if p.K == 0 {
		return w.unsupported("a MatMul with K = 0 runs as Go code in the Go back end")
	}
	nb, na, nbb := Len(p.Batch), Len(p.ABatch), Len(p.BBatch)
	mn, mk, kn := p.M*p.N, p.M*p.K, p.K*p.N
	switch {
	case nbb == 1 && na == nb:
		w.prim("gemm", w.addr(dst), w.addr(a), w.addr(b), 0, nb*p.M, p.K, p.N)
	case (na == nb || na == 1) && (nbb == nb || nbb == 1):
		sa, sb := 0, 0
		if na == nb {
			sa = mk
		}
		if nbb == nb {
			sb = kn
		}
		w.prim("bmm", w.addr(dst), w.addr(a), w.addr(b), nb, p.M, p.K, p.N, sa, sb)
	default:
		if nb > maxUnroll {
			return w.unsupported("a batched MatMul of %d products, over the %d the wasm back end unrolls", nb, maxUnroll)
		}
		r := len(p.Batch)
		as, bs := make([]int, r), make([]int, r)
		sa, sb := mk, kn
		for i := r - 1; i >= 0; i-- {
			if p.ABatch[i] != 1 {
				as[i] = sa
				sa *= p.ABatch[i]
			}
			if p.BBatch[i] != 1 {
				bs[i] = sb
				sb *= p.BBatch[i]
			}
		}
		idx := make([]int, r)
		ai, bi := 0, 0
		for o := 0; o < dst.Len(); o += mn {
			w.prim("gemm", w.addr(dst)+uint32(4*o), w.addr(a)+uint32(4*ai), w.addr(b)+uint32(4*bi), 0, p.M, p.K, p.N)
			for ax := r - 1; ax >= 0; ax-- {
				idx[ax]++
				ai += as[ax]
				bi += bs[ax]
				if idx[ax] < p.Batch[ax] {
					break
				}
				ai -= as[ax] * p.Batch[ax]
				bi -= bs[ax] * p.Batch[ax]
				idx[ax] = 0
			}
		}
	}
	return nil
}

// constAll tells whether v is a constant whose values all equal x.
func constAll(v *Value, x float32) bool {
	r := v.root()
	if r.Const == nil || r.Const.DType != Float32 || len(r.Const.F) == 0 {
		return false
	}
	for _, f := range r.Const.F {
		if f != x {
			return false
		}
	}
	return true
}

// opPRelu stands for PRelu among binOpcode's opcodes (it is
// f32.copysign's, which no BinOp uses).
const opPRelu = 0x98

// binOpcode is the f32 instruction of a binary op, 0 for none.
func binOpcode(op kernels.BinOp) byte {
	switch op {
	case kernels.BinAdd:
		return 0x92
	case kernels.BinSub:
		return 0x93
	case kernels.BinMul:
		return 0x94
	case kernels.BinDiv:
		return 0x95
	case kernels.BinMin:
		return 0x96
	case kernels.BinMax:
		return 0x97
	case kernels.BinPRelu:
		return opPRelu
	case kernels.BinPow:
		return opPow
	}
	return 0
}

// binary is Binary as the Go back end runs it: same-shape Add and Mul in
// the add and mul primitives, the rest as one float32 operation per value
// (Pow: one call of the math.Pow port, wasmgen_pow.go) in the order of
// binBroadcast's blocks.
func (w *wgen) binary(dst, a, b *Value, op kernels.BinOp, outShape, aShape, bShape []int) error {
	n := dst.Len()
	if n == 0 {
		return nil
	}
	if op == kernels.BinPow && a.Len() == n && constAll(b, 2) {
		// x², as decomposed LayerNorms write it: math.Pow(v, 2) and the
		// Go loops' float64(v)·float64(v) are both the exact square of
		// a float32, rounded once.
		w.body.I32(int32(w.addr(dst))).I32(int32(w.addr(a))).I32(int32(n))
		w.callHelper("actelem" + string(rune('a'+actSquare)))
		return nil
	}
	if binOpcode(op) == 0 {
		return w.unsupported("%s runs as Go code in the Go back end", binName(op))
	}
	vv := func(d, x, y uint32, n int) {
		switch op {
		case kernels.BinAdd:
			w.prim("add", d, x, y, n)
		case kernels.BinMul:
			w.prim("mul", d, x, y, n)
		default:
			w.binLoop(op, "vv", d, x, y, n)
		}
	}
	switch {
	case a.Len() == n && b.Len() == n:
		vv(w.addr(dst), w.addr(a), w.addr(b), n)
		return nil
	case b.Len() == 1 && a.Len() == n:
		if !w.clipScalar(op, dst, a, b) {
			w.binLoop(op, "vs", w.addr(dst), w.addr(a), w.addr(b), n)
		}
		return nil
	case a.Len() == 1 && b.Len() == n:
		if !w.clipScalar(op, dst, b, a) {
			w.binLoop(op, "sv", w.addr(dst), w.addr(a), w.addr(b), n)
		}
		return nil
	}
	out, kinds, as, bs := kernels.BroadcastAxes(outShape, aShape, bShape) // binBroadcast's merged axes
	r := len(out)
	inner, last := out[r-1], kinds[r-1]
	if n/inner > maxUnroll {
		return w.unsupported("a broadcast of %d blocks, over the %d the wasm back end unrolls", n/inner, maxUnroll)
	}
	if last == 0 {
		return w.unsupported("a broadcast where both operands repeat along the last axis runs as Go code in the Go back end")
	}
	idx := make([]int, r)
	ai, bi := 0, 0
	for o := 0; o < n; o += inner {
		d, x, y := w.addr(dst)+uint32(4*o), w.addr(a)+uint32(4*ai), w.addr(b)+uint32(4*bi)
		switch last {
		case 3:
			vv(d, x, y, inner)
		case 1:
			w.binLoop(op, "vs", d, x, y, inner)
		case 2:
			w.binLoop(op, "sv", d, x, y, inner)
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
	return nil
}

// binLoop emits dst[i] = x[i] op y[i] over n values, where kind "vs" reads
// y[0] for every i and "sv" x[0].
// clipScalar runs Max or Min of x and a constant scalar s (not NaN) as the
// act primitive's Clip(x, s, +Inf) or Clip(x, -Inf, s), as package
// kernels' clipScalar does in the Go back end (the same bits): SIMD
// instead of a loop of f32.max, one value at a time (the wake-word model's
// Max after each convolution). It returns false, emitting nothing, for
// other ops and scalars known only at run time.
func (w *wgen) clipScalar(op kernels.BinOp, dst, x, s *Value) bool {
	if s.Const == nil || (op != kernels.BinMax && op != kernels.BinMin) {
		return false
	}
	v := s.Const.Floats()[0]
	if v != v {
		return false
	}
	inf := float32(math.Inf(1))
	a := kernels.Act{Op: kernels.ActClip, Alpha: v, Beta: inf}
	if op == kernels.BinMin {
		a = kernels.Act{Op: kernels.ActClip, Alpha: -inf, Beta: v}
	}
	w.prim("act", w.addr(dst), w.addr(x), dst.Len(), int(a.Op), a.Alpha, a.Beta)
	return true
}

func (w *wgen) binLoop(op kernels.BinOp, kind string, dst, x, y uint32, n int) {
	if op == kernels.BinPow {
		w.declare("exp64") // before pow64, which calls them, and pow64
		w.declare("log64") // before the loop that calls it
		w.declare("pow64")
	}
	w.body.I32(int32(dst)).I32(int32(x)).I32(int32(y)).I32(int32(n))
	w.callHelper("bin" + string(rune('0'+binOpcode(op)-0x92)) + kind)
}

// defineHelper writes a generated helper's body.
func (w *wgen) defineHelper(name string) uint32 {
	switch name {
	case "rowsum", "rowsumlog", "rowmax":
		return w.helper(name, name == "rowmax")
	case "copy2":
		return w.m.Func(helperSig(name), []byte{ii, ii, ii}, copy2Body())
	case "fill":
		var c wasmbin.Code
		// params dst 0, n 1, v 2; local end 3
		c.Get(0).Get(1).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(3).
			Block().Loop().
			Get(0).Get(3).Op(0x4f).BrIf(1).
			Get(0).Get(2).F32Store(0).
			Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
			Br(0).End().End()
		return w.m.Func(helperSig(name), []byte{ii}, c.B)
	}
	switch {
	case name == "exp64":
		return w.m.Func(helperSig(name), expLocals, expBody())
	case name == "log64":
		return w.m.Func(helperSig(name), logLocals, logBody())
	case name == "pow64":
		return w.m.Func(helperSig(name), powLocals, powBody(w.helpers["exp64"], w.helpers["log64"]))
	case name == "tanh64":
		return w.m.Func(helperSig(name), []byte{wasmbin.F64, wasmbin.F64}, tanhBody(w.helpers["exp64"]))
	case name == "softmaxs":
		return w.m.Func(helperSig(name), []byte{ff, ii, ii, wasmbin.F64, wasmbin.F64}, softmaxStridedBody(w.helpers["exp64"], w.helpers["log64"]))
	case name == "log1p64":
		return w.m.Func(helperSig(name), log1pLocals, log1pBody())
	case name == "softplus":
		return w.m.Func(helperSig(name), []byte{ii, wasmbin.F64}, softplusBody(w.helpers["exp64"], w.helpers["log1p64"]))
	case name == "erf64":
		return w.m.Func(helperSig(name), erfLocals, erfBody(w.helpers["exp64"]))
	case name == "expm1n64":
		return w.m.Func(helperSig(name), expm1Locals, expm1NegBody())
	case strings.HasPrefix(name, "actelu"):
		return w.m.Func(helperSig(name), []byte{ii, ff}, eluBody(kernels.ActOp(name[6]-'a'), w.helpers["expm1n64"]))
	case strings.HasPrefix(name, "actelem"):
		return w.m.Func(helperSig(name), []byte{ii}, actElemBody(kernels.ActOp(name[7]-'a')))
	case strings.HasPrefix(name, "actmath"):
		op := kernels.ActOp(name[7] - 'a')
		fn := map[kernels.ActOp]string{kernels.ActTanh: "tanh64", kernels.ActLog: "log64", kernels.ActErf: "erf64"}[op]
		if fn == "" {
			fn = "exp64"
		}
		return w.m.Func(helperSig(name), []byte{ii}, actMathBody(op, w.helpers[fn]))
	case name == "where":
		return w.m.Func(helperSig(name), []byte{ii}, whereBody())
	case name == "gather":
		return w.m.Func(helperSig(name), []byte{ii, ii, ff, ii, ii}, gatherBody())
	case name == "scales8":
		return w.m.Func(helperSig(name), []byte{ff, ii}, scales8Body())
	case name == "widenq8":
		return w.m.Func(helperSig(name), []byte{ii, ff}, widenQ8Body())
	case name == "widenf16":
		return w.m.Func(helperSig(name), []byte{ii}, widenF16Body())
	case name == "itoa":
		return w.m.Func(helperSig(name), []byte{ii, wasmbin.I64}, itoaBody())
	case name == "gatherr":
		return w.m.Func(helperSig(name), []byte{ii, wasmbin.I64}, gatherErrBody(w.helpers["itoa"], gErrPtr, gErrLen))
	case strings.HasPrefix(name, "cmp"):
		return w.m.Func(helperSig(name), []byte{ii, ff, ff}, cmpBody(kernels.CmpOp(name[3]-'0')))
	case strings.HasPrefix(name, "enc_"):
		return w.m.Func(helperSig(name), []byte{ii}, encBody(name[4:]))
	case strings.HasPrefix(name, "cvt_"):
		return w.m.Func(helperSig(name), []byte{ii, wasmbin.I64}, cvtBody(name[4:]))
	}
	// bin<k><kind>: params dst 0, x 1, y 2, n 3; local end 4.
	op := byte(0x92 + name[3] - '0')
	kind := name[4:]
	var c wasmbin.Code
	c.Get(0).Get(3).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(4).
		Block().Loop().
		Get(0).Get(4).Op(0x4f).BrIf(1).
		Get(0)
	switch op {
	case opPRelu: // x < 0 ? x·y : x
		c.Get(1).F32Load(0).Get(2).F32Load(0).Op(f32Mul).
			Get(1).F32Load(0).
			Get(1).F32Load(0).F32(0).Op(f32Lt).Op(opSelect)
	case opPow: // float32(math.Pow(float64(x), float64(y)))
		c.Get(1).F32Load(0).Op(wasmbin.OpF64Promo).Get(2).F32Load(0).Op(wasmbin.OpF64Promo).
			Call(w.helpers["pow64"]).Op(wasmbin.OpF32Demote)
	default:
		c.Get(1).F32Load(0).Get(2).F32Load(0).Op(op)
	}
	c.F32Store(0)
	if kind != "sv" {
		c.Get(1).I32(4).Op(wasmbin.OpI32Add).Set(1)
	}
	if kind != "vs" {
		c.Get(2).I32(4).Op(wasmbin.OpI32Add).Set(2)
	}
	c.Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
		Br(0).End().End()
	return w.m.Func(helperSig(name), []byte{ii}, c.B)
}

// copy2Body: params dst 0, src 1, n1 2, s1 3 (bytes), d1 4 (bytes), n2 5,
// s2 6 (bytes); locals i 7 (src of the row), j 8 (dst), end 9.
func copy2Body() []byte {
	var c wasmbin.Code
	c.Block().Loop().
		Get(2).Op(wasmbin.OpI32Eqz).BrIf(1)
	// One row: memory.copy when contiguous, else value by value.
	c.Get(6).I32(4).Op(wasmbin.OpI32Eq).If().
		Get(0).Get(1).Get(5).I32(4).Op(wasmbin.OpI32Mul).MemoryCopy().
		Op(wasmbin.OpElse).
		Get(1).Set(7).Get(0).Set(8).
		Get(0).Get(5).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(9).
		Block().Loop().
		Get(8).Get(9).Op(0x4f).BrIf(1).
		Get(8).Get(7).I32Load(0).I32Store(0).
		Get(8).I32(4).Op(wasmbin.OpI32Add).Set(8).
		Get(7).Get(6).Op(wasmbin.OpI32Add).Set(7).
		Br(0).End().End().
		End()
	c.Get(0).Get(4).Op(wasmbin.OpI32Add).Set(0).
		Get(1).Get(3).Op(wasmbin.OpI32Add).Set(1).
		Get(2).I32(1).Op(wasmbin.OpI32Sub).Set(2).
		Br(0).End().End()
	return c.B
}
