package importer

import (
	"math"

	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/pwagen/pwagen/kernels"
)

// More of Go's float64 math, ported operation for operation as
// wasmgen_math.go's Exp, Log and Tanh (GOARCH=wasm runs math/expm1.go and
// math/erf.go, no assembly): Elu and Selu (Expm1) and Erf.

// poly pushes c0 + z*(c1 + z*(c2 + … z*cn)) with z in local z, as Go
// evaluates that expression.
func poly(c *wasmbin.Code, z uint32, cs ...float64) {
	for i, k := range cs {
		c.F64(k)
		if i < len(cs)-1 {
			c.Get(z)
		}
	}
	for range len(cs) - 1 {
		c.Op(f64Mul).Op(f64Add)
	}
}

// expm1NegBody is math.Expm1 for the arguments Elu and Selu give it: x
// <= 0, ±0 and NaN (the branches of x > 0 are left out). param x 0;
// locals absx 1, k 2 (i64), hi 3, lo 4, c 5, hfx 6, hxs 7, r1 8, t 9, e
// 10, y 11.
func expm1NegBody() []byte {
	const (
		Ln2X56    = 3.88162421113569373274e+01
		Ln2HalfX3 = 1.03972077083991796413e+00
		Ln2Half   = 3.46573590279972654709e-01
		Ln2Hi     = 6.93147180369123816490e-01
		Ln2Lo     = 1.90821492927058770002e-10
		InvLn2    = 1.44269504088896338700e+00
		Tiny      = 1.0 / (1 << 54)
		Q1        = -3.33333333333331316428e-02
		Q2        = 1.58730158725481460165e-03
		Q3        = -7.93650757867487942473e-05
		Q4        = 4.00821782732936239552e-06
		Q5        = -2.01099218183624371326e-07
	)
	var c wasmbin.Code
	ret := func() { c.Op(wasmbin.OpReturn).End() }
	c.Get(0).Get(0).Op(f64Ne).If().Get(0)
	ret()
	c.Get(0).Op(f64Abs).Set(1)
	c.Get(1).F64(Ln2X56).Op(f64Ge).If().F64(-1)
	ret()
	c.I64(0).Set(2)
	c.Get(1).F64(Ln2Half).Op(f64Gt).If()
	{
		c.Get(1).F64(Ln2HalfX3).Op(f64Lt).If().
			Get(0).F64(Ln2Hi).Op(f64Add).Set(3).
			F64(-Ln2Lo).Set(4).
			I64(-1).Set(2).
			Op(wasmbin.OpElse).
			F64(InvLn2).Get(0).Op(f64Mul).F64(0.5).Op(f64Sub).Op(i64FromF64).Set(2).
			Get(0).Get(2).Op(f64FromI64).F64(Ln2Hi).Op(f64Mul).Op(f64Sub).Set(3).
			Get(2).Op(f64FromI64).F64(Ln2Lo).Op(f64Mul).Set(4).
			End()
		c.Get(3).Get(4).Op(f64Sub).Set(0)
		c.Get(3).Get(0).Op(f64Sub).Get(4).Op(f64Sub).Set(5)
	}
	c.Op(wasmbin.OpElse)
	c.Get(1).F64(Tiny).Op(f64Lt).If().Get(0)
	ret()
	c.End()
	c.F64(0.5).Get(0).Op(f64Mul).Set(6)
	c.Get(0).Get(6).Op(f64Mul).Set(7)
	// r1 := 1 + hxs*(Q1+hxs*(Q2+hxs*(Q3+hxs*(Q4+hxs*Q5))))
	c.F64(1).Get(7)
	poly(&c, 7, Q1, Q2, Q3, Q4, Q5)
	c.Op(f64Mul).Op(f64Add).Set(8)
	c.F64(3).Get(8).Get(6).Op(f64Mul).Op(f64Sub).Set(9)
	// e := hxs * ((r1 - t) / (6.0 - x*t))
	c.Get(7).Get(8).Get(9).Op(f64Sub).F64(6).Get(0).Get(9).Op(f64Mul).Op(f64Sub).Op(f64Div).Op(f64Mul).Set(10)
	c.Get(2).Op(0x50).If(). // i64.eqz
				Get(0).Get(0).Get(10).Op(f64Mul).Get(7).Op(f64Sub).Op(f64Sub)
	ret()
	// e = (x*(e-c) - c); e -= hxs
	c.Get(0).Get(10).Get(5).Op(f64Sub).Op(f64Mul).Get(5).Op(f64Sub).Get(7).Op(f64Sub).Set(10)
	c.Get(2).I64(-1).Op(0x51).If(). // i64.eq
					F64(0.5).Get(0).Get(10).Op(f64Sub).Op(f64Mul).F64(0.5).Op(f64Sub)
	ret()
	// k <= -2: y := 1 - (e - x), k added to y's exponent, minus 1
	c.F64(1).Get(10).Get(0).Op(f64Sub).Op(f64Sub).
		Op(i64Reinterp).Get(2).I64(52).Op(i64Shl).Op(i64Add).Op(f64Reinterp).
		F64(1).Op(f64Sub)
	return c.B
}

var expm1Locals = []byte{wasmbin.F64, wasmbin.I64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64}

// eluBody is ActElu (v < 0: float32(float64(alpha)·Expm1(float64(v)))) or
// ActSelu (v > 0: beta·v; else float32(float64(beta)·float64(alpha)·
// Expm1(float64(v)))): params dst 0, x 1, n 2, alpha 3, beta 4; locals
// end 5, v 6 (f32).
func eluBody(op kernels.ActOp, expm1 uint32) []byte {
	var c wasmbin.Code
	c.Get(0).Get(2).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(5).
		Block().Loop().
		Get(0).Get(5).Op(0x4f).BrIf(1).
		Get(1).F32Load(0).Set(6).
		Get(0)
	if op == kernels.ActElu {
		c.Get(6).F32(0).Op(f32Lt).If().
			Get(3).Op(wasmbin.OpF64Promo).Get(6).Op(wasmbin.OpF64Promo).Call(expm1).Op(f64Mul).Op(wasmbin.OpF32Demote).Set(6).
			End().
			Get(6)
	} else {
		c.Get(4).Get(6).Op(f32Mul).
			Get(4).Op(wasmbin.OpF64Promo).Get(3).Op(wasmbin.OpF64Promo).Op(f64Mul).Get(6).Op(wasmbin.OpF64Promo).Call(expm1).Op(f64Mul).Op(wasmbin.OpF32Demote).
			Get(6).F32(0).Op(f32Gt).Op(opSelect)
	}
	c.F32Store(0).
		Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
		Get(1).I32(4).Op(wasmbin.OpI32Add).Set(1).
		Br(0).End().End()
	return c.B
}

// log1pBody is log1p (math/log1p.go) over the arguments Softplus gives
// it, Exp of a float64: [0, +Inf] and NaN. Below −1 and at −1 Go returns
// NaN and −Inf; those branches are left out, and Softplus never reaches
// the ones over 2^53 either (+Inf: Exp(f) for f over 709, where Go's
// log1p keeps +Inf and so does this, by the same arithmetic: see the
// comment at u). param x 0; locals f 1, iu 2 (i64), k 3 (i64), c 4, u 5,
// hfsq 6, s 7, R 8, z 9.
func log1pBody() []byte {
	const (
		Sqrt2M1 = 4.142135623730950488017e-01
		Small   = 1.0 / (1 << 29)
		Tiny    = 1.0 / (1 << 54)
		Ln2Hi   = 6.93147180369123816490e-01
		Ln2Lo   = 1.90821492927058770002e-10
		Lp1     = 6.666666666666735130e-01
		Lp2     = 3.999999999940941908e-01
		Lp3     = 2.857142874366239149e-01
		Lp4     = 2.222219843214978396e-01
		Lp5     = 1.818357216161805012e-01
		Lp6     = 1.531383769920937332e-01
		Lp7     = 1.479819860511658591e-01
	)
	const (
		i64Eqz = 0x50
		i64GtS = 0x55
		i64LtU = 0x54
		i64Ne  = 0x52
	)
	var c wasmbin.Code
	ret := func() { c.Op(wasmbin.OpReturn).End() }
	c.Get(0).Get(0).Op(f64Ne).If().F64(math.NaN())
	ret()
	c.Get(0).F64(math.Inf(1)).Op(f64Eq).If().F64(math.Inf(1))
	ret()
	c.I64(1).Set(3)
	c.Get(0).F64(Sqrt2M1).Op(f64Lt).If()
	{
		c.Get(0).F64(Small).Op(f64Lt).If()
		c.Get(0).F64(Tiny).Op(f64Lt).If().Get(0).Op(wasmbin.OpReturn).End()
		c.Get(0).Get(0).Get(0).Op(f64Mul).F64(0.5).Op(f64Mul).Op(f64Sub)
		ret()
		// x > Sqrt2HalfM1 always holds here (x >= 0).
		c.I64(0).Set(3).Get(0).Set(1).I64(1).Set(2)
	}
	c.Op(wasmbin.OpElse)
	{
		// |x| < 2^53 (x finite here: +Inf returned above).
		c.F64(1).Get(0).Op(f64Add).Set(5)
		c.Get(5).Op(i64Reinterp).Set(2)
		c.Get(2).I64(52).Op(i64ShrU).I64(1023).Op(i64Sub).Set(3)
		c.Get(3).I64(0).Op(i64GtS).If().
			F64(1).Get(5).Get(0).Op(f64Sub).Op(f64Sub).Set(4).
			Op(wasmbin.OpElse).
			Get(0).Get(5).F64(1).Op(f64Sub).Op(f64Sub).Set(4).
			End()
		c.Get(4).Get(5).Op(f64Div).Set(4)
		c.Get(2).I64(0x000fffffffffffff).Op(i64And).Set(2)
		c.Get(2).I64(0x0006a09e667f3bcd).Op(i64LtU).If().
			Get(2).I64(0x3ff0000000000000).Op(i64Or).Op(f64Reinterp).Set(5).
			Op(wasmbin.OpElse).
			Get(3).I64(1).Op(i64Add).Set(3).
			Get(2).I64(0x3fe0000000000000).Op(i64Or).Op(f64Reinterp).Set(5).
			I64(0x0010000000000000).Get(2).Op(i64Sub).I64(2).Op(i64ShrU).Set(2).
			End()
		c.Get(5).F64(1).Op(f64Sub).Set(1)
	}
	c.End()
	c.F64(0.5).Get(1).Op(f64Mul).Get(1).Op(f64Mul).Set(6)
	kf := func() { c.Get(3).Op(f64FromI64) }
	c.Get(2).Op(i64Eqz).If()
	{
		c.Get(1).F64(0).Op(f64Eq).If()
		c.Get(3).Op(i64Eqz).If().F64(0).Op(wasmbin.OpReturn).End()
		c.Get(4)
		kf()
		c.F64(Ln2Lo).Op(f64Mul).Op(f64Add).Set(4)
		kf()
		c.F64(Ln2Hi).Op(f64Mul).Get(4).Op(f64Add)
		ret()
		c.Get(6).F64(1).F64(0.66666666666666666).Get(1).Op(f64Mul).Op(f64Sub).Op(f64Mul).Set(8)
		c.Get(3).Op(i64Eqz).If().Get(1).Get(8).Op(f64Sub).Op(wasmbin.OpReturn).End()
		kf()
		c.F64(Ln2Hi).Op(f64Mul).Get(8)
		kf()
		c.F64(Ln2Lo).Op(f64Mul).Get(4).Op(f64Add).Op(f64Sub).Get(1).Op(f64Sub).Op(f64Sub)
	}
	ret()
	c.Get(1).F64(2).Get(1).Op(f64Add).Op(f64Div).Set(7)
	c.Get(7).Get(7).Op(f64Mul).Set(9)
	c.Get(9)
	poly(&c, 9, Lp1, Lp2, Lp3, Lp4, Lp5, Lp6, Lp7)
	c.Op(f64Mul).Set(8)
	// k == 0: f - (hfsq - s*(hfsq+R))
	c.Get(3).Op(i64Eqz).If().
		Get(1).Get(6).Get(7).Get(6).Get(8).Op(f64Add).Op(f64Mul).Op(f64Sub).Op(f64Sub)
	ret()
	// float64(k)*Ln2Hi - ((hfsq - (s*(hfsq+R) + (float64(k)*Ln2Lo + c))) - f)
	kf()
	c.F64(Ln2Hi).Op(f64Mul).
		Get(6).Get(7).Get(6).Get(8).Op(f64Add).Op(f64Mul)
	kf()
	c.F64(Ln2Lo).Op(f64Mul).Get(4).Op(f64Add).Op(f64Add).Op(f64Sub).
		Get(1).Op(f64Sub).Op(f64Sub)
	return c.B
}

var log1pLocals = []byte{wasmbin.F64, wasmbin.I64, wasmbin.I64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64}

// softplusBody is ActSoftplus: f > 0: f + Log1p(Exp(−f)), else
// Log1p(Exp(f)), in float64, rounded once. params dst 0, x 1, n 2; locals
// end 3, f 4 (f64).
func softplusBody(exp, log1p uint32) []byte {
	var c wasmbin.Code
	c.Get(0).Get(2).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(3).
		Block().Loop().
		Get(0).Get(3).Op(0x4f).BrIf(1).
		Get(1).F32Load(0).Op(wasmbin.OpF64Promo).Set(4).
		Get(4).F64(0).Op(f64Gt).If().
		Get(4).Get(4).Op(f64Neg).Call(exp).Call(log1p).Op(f64Add).Set(4).
		Op(wasmbin.OpElse).
		Get(4).Call(exp).Call(log1p).Set(4).
		End().
		Get(0).Get(4).Op(wasmbin.OpF32Demote).F32Store(0).
		Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
		Get(1).I32(4).Op(wasmbin.OpI32Add).Set(1).
		Br(0).End().End()
	return c.B
}
