package importer

import (
	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/pwagen/pwagen/kernels"
)

// Activations the Go back end runs as Go loops of one exact operation per
// value (kernels' activateRange): the WebAssembly instruction Go compiles
// each to, so the bits are the Go module's.

// actElementOps are the activations actElemBody generates.
var actElementOps = map[kernels.ActOp]bool{
	kernels.ActSqrt: true, kernels.ActNeg: true, kernels.ActAbs: true, kernels.ActReciprocal: true,
	kernels.ActFloor: true, kernels.ActCeil: true, kernels.ActRound: true, kernels.ActSign: true,
}

// actSquare is float32(float64(v)·float64(v)) among actElemBody's ops
// (BinPow by 2), numbered after the ActOps.
const actSquare = kernels.ActScale + 1

const (
	f32Abs   = 0x8b
	f32Neg   = 0x8c
	f32Div   = 0x95
	f32Gt    = 0x5e
	f32Lt    = 0x5d
	f64Ceil  = 0x9b
	f64Floor = 0x9c
	f64Near  = 0x9e
	f64Sqrt  = 0x9f
)

// actElemBody is dst[i] = f(x[i]) for an op of actElementOps: params dst
// 0, x 1, n 2; local end 3.
func actElemBody(op kernels.ActOp) []byte {
	var c wasmbin.Code
	c.Get(0).Get(2).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(3).
		Block().Loop().
		Get(0).Get(3).Op(0x4f).BrIf(1).
		Get(0)
	x := func() *wasmbin.Code { return c.Get(1).F32Load(0) }
	f64 := func(o byte) { x().Op(wasmbin.OpF64Promo).Op(o).Op(wasmbin.OpF32Demote) }
	switch op {
	case kernels.ActSqrt: // float32(math.Sqrt(float64(v)))
		f64(f64Sqrt)
	case kernels.ActFloor:
		f64(f64Floor)
	case kernels.ActCeil:
		f64(f64Ceil)
	case kernels.ActRound: // math.RoundToEven
		f64(f64Near)
	case kernels.ActNeg:
		x().Op(f32Neg)
	case kernels.ActAbs:
		x().Op(f32Abs)
	case kernels.ActReciprocal:
		c.F32(1)
		x().Op(f32Div)
	case actSquare:
		x().Op(wasmbin.OpF64Promo)
		x().Op(wasmbin.OpF64Promo).Op(f64Mul).Op(wasmbin.OpF32Demote)
	case kernels.ActSign: // 1 above 0, −1 below, ±0 and NaN as they are
		c.F32(1).F32(-1)
		x()
		x()
		c.F32(0).Op(f32Lt).Op(opSelect) // v < 0 ? −1 : v
		x()
		c.F32(0).Op(f32Gt).Op(opSelect)
	}
	c.F32Store(0).
		Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
		Get(1).I32(4).Op(wasmbin.OpI32Add).Set(1).
		Br(0).End().End()
	return c.B
}
