package importer

import (
	"math"

	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/pwagen/pwagen/kernels"
)

// The float64 math of the Go back end's element-wise loops (Tanh, Sigmoid,
// Exp, Log, LogSoftmax, softmax over an inner axis). On GOARCH=wasm Go's
// math.Exp, math.Log and math.Tanh are the pure-Go algorithms (exp.go,
// log.go, tanh.go: no assembly, and WebAssembly has no fused multiply-add
// to contract into): these are the same operations in the same order, so
// the module gives the Go module's bits. Natively (amd64 assembly Exp and
// Log) the in-process plan may differ in the last bit.

const (
	f64Add       = 0xa0
	f64Sub       = 0xa1
	f64Mul       = 0xa2
	f64Div       = 0xa3
	f64Abs       = 0x99
	f64Neg       = 0x9a
	f64Eq        = 0x61
	f64Ne        = 0x62
	f64Lt        = 0x63
	f64Gt        = 0x64
	f64Ge        = 0x66
	i64Add       = 0x7c
	i64Sub       = 0x7d
	i64And       = 0x83
	i64Or        = 0x84
	i64Shl       = 0x86
	i64ShrU      = 0x88
	i64LtS       = 0x53
	i64GtS       = 0x55
	i64FromF64   = 0xb0 // i64.trunc_f64_s
	f64FromI64   = 0xb9 // f64.convert_i64_s
	i64Reinterp  = 0xbd
	f64Reinterp  = 0xbf
	expMask      = int64(0x7ff) << 52
	smallNormal  = 2.2250738585072014e-308
	twoTo52      = float64(1 << 52)
	twoToMinus53 = 1.0 / (1 << 53)
)

// expBody is exp (math/exp.go) with expmulti and ldexp (math/ldexp.go)
// inlined: param x 0; locals k 1 (i64), hi 2, lo 3, r 4, t 5, c 6, y 7, e 8
// (i64), bits 9 (i64), m 10.
func expBody() []byte {
	const (
		Ln2Hi     = 6.93147180369123816490e-01
		Ln2Lo     = 1.90821492927058770002e-10
		Log2e     = 1.44269504088896338700e+00
		Overflow  = 7.09782712893383973096e+02
		Underflow = -7.45133219101941108420e+02
		NearZero  = 1.0 / (1 << 28)
		P1        = 1.66666666666666657415e-01
		P2        = -2.77777777770155933842e-03
		P3        = 6.61375632143793436117e-05
		P4        = -1.65339022054652515390e-06
		P5        = 4.13813679705723846039e-08
	)
	var c wasmbin.Code
	ret := func() { c.Op(wasmbin.OpReturn).End() }
	c.Get(0).Get(0).Op(f64Ne).If().Get(0)
	ret()
	c.Get(0).F64(Overflow).Op(f64Gt).If().F64(math.Inf(1))
	ret()
	c.Get(0).F64(Underflow).Op(f64Lt).If().F64(0)
	ret()
	c.F64(-NearZero).Get(0).Op(f64Lt).Get(0).F64(NearZero).Op(f64Lt).Op(0x71).If().F64(1).Get(0).Op(f64Add)
	ret()
	c.I64(0).Set(1)
	c.Get(0).F64(0).Op(f64Lt).If().F64(Log2e).Get(0).Op(f64Mul).F64(0.5).Op(f64Sub).Op(i64FromF64).Set(1).End()
	c.Get(0).F64(0).Op(f64Gt).If().F64(Log2e).Get(0).Op(f64Mul).F64(0.5).Op(f64Add).Op(i64FromF64).Set(1).End()
	c.Get(0).Get(1).Op(f64FromI64).F64(Ln2Hi).Op(f64Mul).Op(f64Sub).Set(2)
	c.Get(1).Op(f64FromI64).F64(Ln2Lo).Op(f64Mul).Set(3)
	c.Get(2).Get(3).Op(f64Sub).Set(4)
	c.Get(4).Get(4).Op(f64Mul).Set(5)
	// c := r - t*(P1+t*(P2+t*(P3+t*(P4+t*P5))))
	c.Get(4).Get(5).F64(P1).Get(5).F64(P2).Get(5).F64(P3).Get(5).F64(P4).Get(5).F64(P5).
		Op(f64Mul).Op(f64Add).Op(f64Mul).Op(f64Add).Op(f64Mul).Op(f64Add).Op(f64Mul).Op(f64Add).Op(f64Mul).Op(f64Sub).Set(6)
	// y := 1 - ((lo - (r*c)/(2-c)) - hi)
	c.F64(1).Get(3).Get(4).Get(6).Op(f64Mul).F64(2).Get(6).Op(f64Sub).Op(f64Div).Op(f64Sub).Get(2).Op(f64Sub).Op(f64Sub).Set(7)
	// Ldexp(y, k): y is normal and positive here.
	c.Get(7).Op(i64Reinterp).Set(9)
	c.Get(1).Get(9).I64(52).Op(i64ShrU).I64(0x7ff).Op(i64And).Op(i64Add).I64(1023).Op(i64Sub).Set(8)
	c.Get(8).I64(-1075).Op(i64LtS).If().F64(0)
	ret()
	c.Get(8).I64(1023).Op(i64GtS).If().F64(math.Inf(1))
	ret()
	c.F64(1).Set(10)
	c.Get(8).I64(-1022).Op(i64LtS).If().Get(8).I64(53).Op(i64Add).Set(8).F64(twoToMinus53).Set(10).End()
	c.Get(10).Get(9).I64(^expMask).Op(i64And).Get(8).I64(1023).Op(i64Add).I64(52).Op(i64Shl).Op(i64Or).Op(f64Reinterp).Op(f64Mul)
	return c.B
}

var expLocals = []byte{wasmbin.I64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.I64, wasmbin.I64, wasmbin.F64}

// logBody is log (math/log.go) with frexp inlined: param x 0; locals f1 1,
// ki 2 (i64), f 3, k 4, s 5, s2 6, s4 7, t1 8, t2 9, R 10, hfsq 11, bits 12
// (i64), e 13 (i64).
func logBody() []byte {
	const (
		Ln2Hi = 6.93147180369123816490e-01
		Ln2Lo = 1.90821492927058770002e-10
		L1    = 6.666666666666735130e-01
		L2    = 3.999999999940941908e-01
		L3    = 2.857142874366239149e-01
		L4    = 2.222219843214978396e-01
		L5    = 1.818357216161805012e-01
		L6    = 1.531383769920937332e-01
		L7    = 1.479819860511658591e-01
	)
	var c wasmbin.Code
	ret := func() { c.Op(wasmbin.OpReturn).End() }
	c.Get(0).Get(0).Op(f64Ne).Get(0).F64(math.Inf(1)).Op(f64Eq).Op(0x72).If().Get(0)
	ret()
	c.Get(0).F64(0).Op(f64Lt).If().F64(math.NaN())
	ret()
	c.Get(0).F64(0).Op(f64Eq).If().F64(math.Inf(-1))
	ret()
	// Frexp, with normalize.
	c.I64(0).Set(13)
	c.Get(0).Op(f64Abs).F64(smallNormal).Op(f64Lt).If().Get(0).F64(twoTo52).Op(f64Mul).Set(0).I64(-52).Set(13).End()
	c.Get(0).Op(i64Reinterp).Set(12)
	c.Get(13).Get(12).I64(52).Op(i64ShrU).I64(0x7ff).Op(i64And).Op(i64Add).I64(1022).Op(i64Sub).Set(2)
	c.Get(12).I64(^expMask).Op(i64And).I64(int64(1022) << 52).Op(i64Or).Op(f64Reinterp).Set(1)
	c.Get(1).F64(math.Sqrt2 / 2).Op(f64Lt).If().Get(1).F64(2).Op(f64Mul).Set(1).Get(2).I64(1).Op(i64Sub).Set(2).End()
	c.Get(1).F64(1).Op(f64Sub).Set(3)
	c.Get(2).Op(f64FromI64).Set(4)
	c.Get(3).F64(2).Get(3).Op(f64Add).Op(f64Div).Set(5)
	c.Get(5).Get(5).Op(f64Mul).Set(6)
	c.Get(6).Get(6).Op(f64Mul).Set(7)
	// t1 := s2 * (L1 + s4*(L3+s4*(L5+s4*L7)))
	c.Get(6).F64(L1).Get(7).F64(L3).Get(7).F64(L5).Get(7).F64(L7).
		Op(f64Mul).Op(f64Add).Op(f64Mul).Op(f64Add).Op(f64Mul).Op(f64Add).Op(f64Mul).Set(8)
	// t2 := s4 * (L2 + s4*(L4+s4*L6))
	c.Get(7).F64(L2).Get(7).F64(L4).Get(7).F64(L6).
		Op(f64Mul).Op(f64Add).Op(f64Mul).Op(f64Add).Op(f64Mul).Set(9)
	c.Get(8).Get(9).Op(f64Add).Set(10)
	c.F64(0.5).Get(3).Op(f64Mul).Get(3).Op(f64Mul).Set(11)
	// k*Ln2Hi - ((hfsq - (s*(hfsq+R) + k*Ln2Lo)) - f)
	c.Get(4).F64(Ln2Hi).Op(f64Mul).
		Get(11).Get(5).Get(11).Get(10).Op(f64Add).Op(f64Mul).Get(4).F64(Ln2Lo).Op(f64Mul).Op(f64Add).Op(f64Sub).
		Get(3).Op(f64Sub).Op(f64Sub)
	return c.B
}

var logLocals = []byte{wasmbin.F64, wasmbin.I64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.I64, wasmbin.I64}

// tanhBody is tanh (math/tanh.go): param x 0; locals z 1, s 2.
func tanhBody(exp uint32) []byte {
	const MAXLOG = 8.8029691931113054295988e+01
	const (
		P0 = -9.64399179425052238628e-1
		P1 = -9.92877231001918586564e1
		P2 = -1.61468768441708447952e3
		Q0 = 1.12811678491632931402e2
		Q1 = 2.23548839060100448583e3
		Q2 = 4.84406305325125486048e3
	)
	var c wasmbin.Code
	c.Get(0).Op(f64Abs).Set(1)
	c.Get(1).F64(0.5 * MAXLOG).Op(f64Gt).If().
		Get(0).F64(0).Op(f64Lt).If().F64(-1).Op(wasmbin.OpReturn).End().
		F64(1).Op(wasmbin.OpReturn).End()
	c.Get(1).F64(0.625).Op(f64Ge).If().
		F64(2).Get(1).Op(f64Mul).Call(exp).Set(2).
		F64(1).F64(2).Get(2).F64(1).Op(f64Add).Op(f64Div).Op(f64Sub).Set(1).
		Get(0).F64(0).Op(f64Lt).If().Get(1).Op(f64Neg).Set(1).End().
		Get(1).Op(wasmbin.OpReturn).End()
	c.Get(0).F64(0).Op(f64Eq).If().Get(0).Op(wasmbin.OpReturn).End()
	c.Get(0).Get(0).Op(f64Mul).Set(2)
	// x + x*s*((P0*s+P1)*s+P2)/(((s+Q0)*s+Q1)*s+Q2)
	c.Get(0).
		Get(0).Get(2).Op(f64Mul).
		F64(P0).Get(2).Op(f64Mul).F64(P1).Op(f64Add).Get(2).Op(f64Mul).F64(P2).Op(f64Add).
		Op(f64Mul).
		Get(2).F64(Q0).Op(f64Add).Get(2).Op(f64Mul).F64(Q1).Op(f64Add).Get(2).Op(f64Mul).F64(Q2).Op(f64Add).
		Op(f64Div).Op(f64Add)
	return c.B
}

// actMathBody is dst[i] = float32(f(float64(x[i]))) for ActTanh, ActExp,
// ActLog and ActSigmoid (1/(1+Exp(-x))): params dst 0, x 1, n 2; local
// end 3.
func actMathBody(op kernels.ActOp, fn uint32) []byte {
	var c wasmbin.Code
	c.Get(0).Get(2).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(3).
		Block().Loop().
		Get(0).Get(3).Op(0x4f).BrIf(1).
		Get(0)
	if op == kernels.ActSigmoid {
		c.F64(1).F64(1).Get(1).F32Load(0).Op(wasmbin.OpF64Promo).Op(f64Neg).Call(fn).Op(f64Add).Op(f64Div)
	} else {
		c.Get(1).F32Load(0).Op(wasmbin.OpF64Promo).Call(fn)
	}
	c.Op(wasmbin.OpF32Demote).F32Store(0).
		Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
		Get(1).I32(4).Op(wasmbin.OpI32Add).Set(1).
		Br(0).End().End()
	return c.B
}

// softmaxStridedBody is softmaxStrided: one softmax (or log softmax) of n
// values stride bytes apart. params dst 0, x 1, n 2, stride 3, log 4;
// locals m 5 (f32), i 6, p 7, sum 8 (f64), ls 9 (f64).
func softmaxStridedBody(exp, log uint32) []byte {
	var c wasmbin.Code
	loop := func(body func()) {
		c.I32(0).Set(6).Get(1).Set(7).
			Block().Loop().
			Get(6).Get(2).Op(0x4f).BrIf(1)
		body()
		c.Get(6).I32(1).Op(wasmbin.OpI32Add).Set(6).
			Get(7).Get(3).Op(wasmbin.OpI32Add).Set(7).
			Br(0).End().End()
	}
	c.Get(1).F32Load(0).Set(5)
	loop(func() { c.Get(5).Get(7).F32Load(0).Op(wasmbin.OpF32Max).Set(5) })
	c.F64(0).Set(8)
	loop(func() {
		c.Get(8).Get(7).F32Load(0).Get(5).Op(0x93).Op(wasmbin.OpF64Promo).Call(exp).Op(f64Add).Set(8)
	})
	c.Get(4).If()
	c.Get(8).Call(log).Set(9)
	// dst[i] = float32(float64(x[i]-m) - ls)
	loop(func() {
		c.Get(0).Get(7).Get(1).Op(wasmbin.OpI32Sub).Op(wasmbin.OpI32Add).
			Get(7).F32Load(0).Get(5).Op(0x93).Op(wasmbin.OpF64Promo).Get(9).Op(f64Sub).Op(wasmbin.OpF32Demote).F32Store(0)
	})
	c.Op(wasmbin.OpElse)
	// dst[i] = float32(Exp(float64(x[i]-m)) / sum)
	loop(func() {
		c.Get(0).Get(7).Get(1).Op(wasmbin.OpI32Sub).Op(wasmbin.OpI32Add).
			Get(7).F32Load(0).Get(5).Op(0x93).Op(wasmbin.OpF64Promo).Call(exp).Get(8).Op(f64Div).Op(wasmbin.OpF32Demote).F32Store(0)
	})
	c.End()
	return c.B
}
