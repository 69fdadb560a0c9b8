package importer

import (
	"math"

	"github.com/pwagen/pwagen/internal/wasmbin"
)

// erfBody is erf (math/erf.go), calling exp (expBody) where it does:
// param x 0; locals sign 1 (i32), t 2, z 3, r 4, s 5, R 6, S 7.
func erfBody(exp uint32) []byte {
	const (
		erx      = 8.45062911510467529297e-01
		efx      = 1.28379167095512586316e-01
		efx8     = 1.02703333676410069053e+00
		pp0      = 1.28379167095512558561e-01
		pp1      = -3.25042107247001499370e-01
		pp2      = -2.84817495755985104766e-02
		pp3      = -5.77027029648944159157e-03
		pp4      = -2.37630166566501626084e-05
		qq1      = 3.97917223959155352819e-01
		qq2      = 6.50222499887672944485e-02
		qq3      = 5.08130628187576562776e-03
		qq4      = 1.32494738004321644526e-04
		qq5      = -3.96022827877536812320e-06
		pa0      = -2.36211856075265944077e-03
		pa1      = 4.14856118683748331666e-01
		pa2      = -3.72207876035701323847e-01
		pa3      = 3.18346619901161753674e-01
		pa4      = -1.10894694282396677476e-01
		pa5      = 3.54783043256182359371e-02
		pa6      = -2.16637559486879084300e-03
		qa1      = 1.06420880400844228286e-01
		qa2      = 5.40397917702171048937e-01
		qa3      = 7.18286544141962662868e-02
		qa4      = 1.26171219808761642112e-01
		qa5      = 1.36370839120290507362e-02
		qa6      = 1.19844998467991074170e-02
		ra0      = -9.86494403484714822705e-03
		ra1      = -6.93858572707181764372e-01
		ra2      = -1.05586262253232909814e+01
		ra3      = -6.23753324503260060396e+01
		ra4      = -1.62396669462573470355e+02
		ra5      = -1.84605092906711035994e+02
		ra6      = -8.12874355063065934246e+01
		ra7      = -9.81432934416914548592e+00
		sa1      = 1.96512716674392571292e+01
		sa2      = 1.37657754143519042600e+02
		sa3      = 4.34565877475229228821e+02
		sa4      = 6.45387271733267880336e+02
		sa5      = 4.29008140027567833386e+02
		sa6      = 1.08635005541779435134e+02
		sa7      = 6.57024977031928170135e+00
		sa8      = -6.04244152148580987438e-02
		rb0      = -9.86494292470009928597e-03
		rb1      = -7.99283237680523006574e-01
		rb2      = -1.77579549177547519889e+01
		rb3      = -1.60636384855821916062e+02
		rb4      = -6.37566443368389627722e+02
		rb5      = -1.02509513161107724954e+03
		rb6      = -4.83519191608651397019e+02
		sb1      = 3.03380607434824582924e+01
		sb2      = 3.25792512996573918826e+02
		sb3      = 1.53672958608443695994e+03
		sb4      = 3.19985821950859553908e+03
		sb5      = 2.55305040643316442583e+03
		sb6      = 4.74528541206955367215e+02
		sb7      = -2.24409524465858183362e+01
		VeryTiny = 2.848094538889218e-306
		Small    = 1.0 / (1 << 28)
	)
	var c wasmbin.Code
	ret := func() { c.Op(wasmbin.OpReturn).End() }
	c.Get(0).Get(0).Op(f64Ne).If().F64(math.NaN())
	ret()
	c.Get(0).F64(0).Op(f64Lt).Set(1)
	c.Get(1).If().Get(0).Op(f64Neg).Set(0).End()
	// ±Inf: 1 < 6 below gives ±1, as Go's IsInf cases.
	c.Get(0).F64(0.84375).Op(f64Lt).If()
	{
		c.Get(0).F64(Small).Op(f64Lt).If()
		c.Get(0).F64(VeryTiny).Op(f64Lt).If().
			F64(0.125).F64(8.0).Get(0).Op(f64Mul).F64(efx8).Get(0).Op(f64Mul).Op(f64Add).Op(f64Mul).Set(2).
			Op(wasmbin.OpElse).
			Get(0).F64(efx).Get(0).Op(f64Mul).Op(f64Add).Set(2).
			End()
		c.Op(wasmbin.OpElse)
		c.Get(0).Get(0).Op(f64Mul).Set(3)
		poly(&c, 3, pp0, pp1, pp2, pp3, pp4)
		c.Set(4)
		c.F64(1).Get(3)
		poly(&c, 3, qq1, qq2, qq3, qq4, qq5)
		c.Op(f64Mul).Op(f64Add).Set(5)
		// temp = x + x*(r/s)
		c.Get(0).Get(0).Get(4).Get(5).Op(f64Div).Op(f64Mul).Op(f64Add).Set(2)
		c.End()
		c.Get(1).If().Get(2).Op(f64Neg).Op(wasmbin.OpReturn).End()
		c.Get(2)
	}
	ret()
	c.Get(0).F64(1.25).Op(f64Lt).If()
	{
		c.Get(0).F64(1).Op(f64Sub).Set(5)
		poly(&c, 5, pa0, pa1, pa2, pa3, pa4, pa5, pa6)
		c.Set(4)
		c.F64(1).Get(5)
		poly(&c, 5, qa1, qa2, qa3, qa4, qa5, qa6)
		c.Op(f64Mul).Op(f64Add).Set(3)
		c.Get(1).If().F64(-erx).Get(4).Get(3).Op(f64Div).Op(f64Sub).Op(wasmbin.OpReturn).End()
		c.F64(erx).Get(4).Get(3).Op(f64Div).Op(f64Add)
	}
	ret()
	c.Get(0).F64(6).Op(f64Ge).If()
	c.Get(1).If().F64(-1).Op(wasmbin.OpReturn).End()
	c.F64(1)
	ret()
	c.F64(1).Get(0).Get(0).Op(f64Mul).Op(f64Div).Set(5)
	c.Get(0).F64(1 / 0.35).Op(f64Lt).If()
	poly(&c, 5, ra0, ra1, ra2, ra3, ra4, ra5, ra6, ra7)
	c.Set(6).F64(1).Get(5)
	poly(&c, 5, sa1, sa2, sa3, sa4, sa5, sa6, sa7, sa8)
	c.Op(f64Mul).Op(f64Add).Set(7)
	c.Op(wasmbin.OpElse)
	poly(&c, 5, rb0, rb1, rb2, rb3, rb4, rb5, rb6)
	c.Set(6).F64(1).Get(5)
	poly(&c, 5, sb1, sb2, sb3, sb4, sb5, sb6, sb7)
	c.Op(f64Mul).Op(f64Add).Set(7)
	c.End()
	// z: x with the low 32 bits cleared; r = Exp(-z*z-0.5625) * Exp((z-x)*(z+x)+R/S)
	c.Get(0).Op(i64Reinterp).I64(-1 << 32).Op(i64And).Op(f64Reinterp).Set(3)
	c.Get(3).Op(f64Neg).Get(3).Op(f64Mul).F64(0.5625).Op(f64Sub).Call(exp).
		Get(3).Get(0).Op(f64Sub).Get(3).Get(0).Op(f64Add).Op(f64Mul).Get(6).Get(7).Op(f64Div).Op(f64Add).Call(exp).
		Op(f64Mul).Set(4)
	c.Get(1).If().Get(4).Get(0).Op(f64Div).F64(1).Op(f64Sub).Op(wasmbin.OpReturn).End()
	c.F64(1).Get(4).Get(0).Op(f64Div).Op(f64Sub)
	return c.B
}

var erfLocals = []byte{wasmbin.I32, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64, wasmbin.F64}
