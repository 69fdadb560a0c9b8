package importer

import (
	"math"

	"github.com/pwagen/pwagen/internal/wasmbin"
)

// math.Pow as the Go back end computes it on GOARCH=wasm: math/pow.go (no
// assembly there) with isOddInt, Modf, Frexp and Ldexp inlined, calling
// the ports of Exp and Log in wasmgen_math.go, one WebAssembly instruction
// per Go operation in Go's order, so the generated module gives the Go
// module's bits. Trunc, Copysign, Abs and Sqrt are single instructions on
// GOARCH=wasm too.

// opPow stands for BinPow among binOpcode's opcodes (it is f64.abs's,
// which no BinOp uses): float32(math.Pow(float64(a), float64(b))).
const opPow = 0x99

const (
	f64Trunc    = 0x9d
	f64Copysign = 0xa6
	i64Eqz      = 0x50
	i64Eq       = 0x51
	i64ShrS     = 0x87
)

// Locals of powBody after the params x 0 and y 1.
const (
	pwYi   = 2 + iota // f64: Modf's integer part of |y|
	pwYf              // f64: its fraction
	pwA1              // f64: the answer's mantissa
	pwAe              // i64: the answer's exponent
	pwX1              // f64: Frexp(x)'s fraction, squared along
	pwXe              // i64: its exponent
	pwI               // i64: the bits of yi left
	pwBits            // i64: Ldexp's and Frexp's bits
	pwE               // i64: Ldexp's exponent
	pwM               // f64: Ldexp's denormal factor
	pwXi              // f64: isOddInt's integer part
	pwOdd             // i32: isOddInt(y)
)

var powLocals = []byte{wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.I64, wasmbin.F64, wasmbin.I64, wasmbin.I64,
	wasmbin.I64, wasmbin.I64, wasmbin.F64, wasmbin.F64, wasmbin.I32}

// powBody is pow(x, y) (math/pow.go): params x 0, y 1; exp and log are
// the exp64 and log64 helpers.
func powBody(exp, log uint32) []byte {
	var c wasmbin.Code
	ret := func() { c.Op(wasmbin.OpReturn).End() }
	absLt1 := func() { c.Get(0).Op(f64Abs).F64(1).Op(f64Lt) } // Abs(x) < 1
	inf := math.Inf(1)

	// The switch, in a loop: Pow(-Inf, y) is Pow(1/x, -y), a restart.
	c.Loop()
	// case y == 0 || x == 1: 1
	c.Get(1).F64(0).Op(f64Eq).Get(0).F64(1).Op(f64Eq).Op(i32Or).If().F64(1)
	ret()
	// case y == 1: x
	c.Get(1).F64(1).Op(f64Eq).If().Get(0)
	ret()
	// case IsNaN(x) || IsNaN(y): NaN()
	c.Get(0).Get(0).Op(f64Ne).Get(1).Get(1).Op(f64Ne).Op(i32Or).If().F64(math.NaN())
	ret()
	// case x == 0
	c.Get(0).F64(0).Op(f64Eq).If()
	{
		powOddInt(&c)
		// Signbit(x) && isOddInt(y)
		c.Get(0).Op(i64Reinterp).I64(0).Op(i64LtS).Get(pwOdd).Op(i32And).Set(pwOdd)
		c.Get(1).F64(0).Op(f64Lt).If()
		c.Get(pwOdd).If().F64(math.Inf(-1)).Op(wasmbin.OpReturn).End()
		c.F64(inf)
		ret()
		// y > 0 (y is neither 0 nor NaN here)
		c.Get(pwOdd).If().Get(0).Op(wasmbin.OpReturn).End()
		c.F64(0).Op(wasmbin.OpReturn)
	}
	c.End()
	// case IsInf(y, 0)
	c.Get(1).Op(f64Abs).F64(inf).Op(f64Eq).If()
	{
		c.Get(0).F64(-1).Op(f64Eq).If().F64(1)
		ret()
		// (Abs(x) < 1) == IsInf(y, 1): 0
		absLt1()
		c.Get(1).F64(inf).Op(f64Eq).Op(wasmbin.OpI32Eq).If().F64(0)
		ret()
		c.F64(inf).Op(wasmbin.OpReturn)
	}
	c.End()
	// case IsInf(x, 0)
	c.Get(0).Op(f64Abs).F64(inf).Op(f64Eq).If()
	{
		// IsInf(x, -1): Pow(1/x, -y)
		c.Get(0).F64(math.Inf(-1)).Op(f64Eq).If().
			F64(1).Get(0).Op(f64Div).Set(0).
			Get(1).Op(f64Neg).Set(1).
			Br(2).End()
		c.Get(1).F64(0).Op(f64Lt).If().F64(0)
		ret()
		c.F64(inf).Op(wasmbin.OpReturn) // y > 0
	}
	c.End()
	c.End() // the loop
	// case y == 0.5: Sqrt(x); case y == -0.5: 1 / Sqrt(x)
	c.Get(1).F64(0.5).Op(f64Eq).If().Get(0).Op(f64Sqrt)
	ret()
	c.Get(1).F64(-0.5).Op(f64Eq).If().F64(1).Get(0).Op(f64Sqrt).Op(f64Div)
	ret()

	// yi, yf := Modf(Abs(y)): Trunc, then Copysign(f-integer, f).
	c.Get(1).Op(f64Abs).Op(f64Trunc).Set(pwYi)
	c.Get(1).Op(f64Abs).Get(pwYi).Op(f64Sub).Get(1).Op(f64Abs).Op(f64Copysign).Set(pwYf)
	// if yf != 0 && x < 0: NaN()
	c.Get(pwYf).F64(0).Op(f64Ne).Get(0).F64(0).Op(f64Lt).Op(i32And).If().F64(math.NaN())
	ret()
	// if yi >= 1<<63
	c.Get(pwYi).F64(1 << 63).Op(f64Ge).If()
	{
		c.Get(0).F64(-1).Op(f64Eq).If().F64(1)
		ret()
		// (Abs(x) < 1) == (y > 0): 0
		absLt1()
		c.Get(1).F64(0).Op(f64Gt).Op(wasmbin.OpI32Eq).If().F64(0)
		ret()
		c.F64(inf).Op(wasmbin.OpReturn)
	}
	c.End()

	// a1 := 1.0; ae := 0
	c.F64(1).Set(pwA1).I64(0).Set(pwAe)
	// if yf != 0 { if yf > 0.5 { yf--; yi++ }; a1 = Exp(yf * Log(x)) }
	c.Get(pwYf).F64(0).Op(f64Ne).If()
	{
		c.Get(pwYf).F64(0.5).Op(f64Gt).If().
			Get(pwYf).F64(1).Op(f64Sub).Set(pwYf).
			Get(pwYi).F64(1).Op(f64Add).Set(pwYi).
			End()
		c.Get(pwYf).Get(0).Call(log).Op(f64Mul).Call(exp).Set(pwA1)
	}
	c.End()

	// x1, xe := Frexp(x): x is finite and not 0 here, so frexp's own
	// special cases cannot arise; normalize, then the bits.
	c.Get(0).Set(pwX1).I64(0).Set(pwXe)
	c.Get(pwX1).Op(f64Abs).F64(smallNormal).Op(f64Lt).If().
		Get(pwX1).F64(twoTo52).Op(f64Mul).Set(pwX1).I64(-52).Set(pwXe).
		End()
	c.Get(pwX1).Op(i64Reinterp).Set(pwBits)
	c.Get(pwXe).Get(pwBits).I64(52).Op(i64ShrU).I64(0x7ff).Op(i64And).I64(1023).Op(i64Sub).I64(1).Op(i64Add).Op(i64Add).Set(pwXe)
	c.Get(pwBits).I64(^expMask).Op(i64And).I64(int64(1022) << 52).Op(i64Or).Op(f64Reinterp).Set(pwX1)

	// for i := int64(yi); i != 0; i >>= 1 (yi is in [0, 2^63) here)
	c.Get(pwYi).Op(i64FromF64).Set(pwI)
	c.Block().Loop()
	{
		c.Get(pwI).Op(i64Eqz).BrIf(1)
		// if xe < -1<<12 || 1<<12 < xe { ae += xe; break }
		c.Get(pwXe).I64(-1 << 12).Op(i64LtS).I64(1 << 12).Get(pwXe).Op(i64LtS).Op(i32Or).If().
			Get(pwAe).Get(pwXe).Op(i64Add).Set(pwAe).
			Br(2).End()
		// if i&1 == 1 { a1 *= x1; ae += xe }
		c.Get(pwI).I64(1).Op(i64And).I64(1).Op(i64Eq).If().
			Get(pwA1).Get(pwX1).Op(f64Mul).Set(pwA1).
			Get(pwAe).Get(pwXe).Op(i64Add).Set(pwAe).
			End()
		// x1 *= x1; xe <<= 1
		c.Get(pwX1).Get(pwX1).Op(f64Mul).Set(pwX1)
		c.Get(pwXe).I64(1).Op(i64Shl).Set(pwXe)
		// if x1 < .5 { x1 += x1; xe-- }
		c.Get(pwX1).F64(0.5).Op(f64Lt).If().
			Get(pwX1).Get(pwX1).Op(f64Add).Set(pwX1).
			Get(pwXe).I64(1).Op(i64Sub).Set(pwXe).
			End()
		c.Get(pwI).I64(1).Op(i64ShrS).Set(pwI)
		c.Br(0)
	}
	c.End().End()

	// if y < 0 { a1 = 1 / a1; ae = -ae }
	c.Get(1).F64(0).Op(f64Lt).If().
		F64(1).Get(pwA1).Op(f64Div).Set(pwA1).
		I64(0).Get(pwAe).Op(i64Sub).Set(pwAe).
		End()
	powLdexp(&c)
	return c.B
}

// powOddInt sets the local pwOdd to isOddInt(y): |y| < 2^53 and Modf(y)
// gives a zero fraction and an odd integer part.
func powOddInt(c *wasmbin.Code) {
	c.I32(0).Set(pwOdd)
	c.Get(1).Op(f64Abs).F64(1 << 53).Op(f64Lt).If()
	{
		c.Get(1).Op(f64Trunc).Set(pwXi)
		// xf == 0 && int64(xi)&1 == 1, with xf = Copysign(y-xi, y)
		c.Get(1).Get(pwXi).Op(f64Sub).Get(1).Op(f64Copysign).F64(0).Op(f64Eq).
			Get(pwXi).Op(i64FromF64).I64(1).Op(i64And).I64(1).Op(i64Eq).Op(i32And).Set(pwOdd)
	}
	c.End()
}

// powLdexp returns Ldexp(a1, ae) (math/ldexp.go, normalize inlined).
func powLdexp(c *wasmbin.Code) {
	ret := func() { c.Op(wasmbin.OpReturn).End() }
	// frac == 0, ±Inf or NaN: frac
	c.Get(pwA1).F64(0).Op(f64Eq).
		Get(pwA1).Op(f64Abs).F64(math.Inf(1)).Op(f64Eq).Op(i32Or).
		Get(pwA1).Get(pwA1).Op(f64Ne).Op(i32Or).If().Get(pwA1)
	ret()
	c.Get(pwAe).Set(pwE)
	c.Get(pwA1).Op(f64Abs).F64(smallNormal).Op(f64Lt).If().
		Get(pwA1).F64(twoTo52).Op(f64Mul).Set(pwA1).
		Get(pwE).I64(-52).Op(i64Add).Set(pwE).
		End()
	c.Get(pwA1).Op(i64Reinterp).Set(pwBits)
	// exp += int(x>>shift)&mask - bias
	c.Get(pwE).Get(pwBits).I64(52).Op(i64ShrU).I64(0x7ff).Op(i64And).I64(1023).Op(i64Sub).Op(i64Add).Set(pwE)
	c.Get(pwE).I64(-1075).Op(i64LtS).If().F64(0).Get(pwA1).Op(f64Copysign)
	ret()
	c.Get(pwE).I64(1023).Op(i64GtS).If()
	c.Get(pwA1).F64(0).Op(f64Lt).If().F64(math.Inf(-1)).Op(wasmbin.OpReturn).End()
	c.F64(math.Inf(1))
	ret()
	c.F64(1).Set(pwM)
	c.Get(pwE).I64(-1022).Op(i64LtS).If().
		Get(pwE).I64(53).Op(i64Add).Set(pwE).
		F64(twoToMinus53).Set(pwM).
		End()
	c.Get(pwM).
		Get(pwBits).I64(^expMask).Op(i64And).Get(pwE).I64(1023).Op(i64Add).I64(52).Op(i64Shl).Op(i64Or).Op(f64Reinterp).
		Op(f64Mul)
}
