//go:build goexperiment.simd && amd64 && !wasip1

package kernels

import (
	"math"
	"simd/archsimd"
)

// The AVX2 Tanh and Sigmoid: tanhKernel and sigmoidKernel on 8 lanes,
// each half of 4 in float64 with the same operations in the same order
// (kexp step for step, every product rounded: archsimd emits no FMA), so
// each value is the scalar kernel's bit for bit and the SIMD module's
// $tanh4 and $sigmoid4 too. NaN lanes pass through as they came. Every
// constant is a vector in memory (actConsts), loaded with one AVX
// instruction: building one from a scalar takes SSE instructions, which
// cost tens of cycles each among 256-bit code on some CPUs.

type actConsts struct {
	log2e, ln2Hi, ln2Lo, half, one, two, sign, absMask  [4]float64
	e1, e2, e3, e4, e5                                  [4]float64
	p0, p1, p2, q0, q1, q2, small, twenty, neg104, zero [4]float64
	bias                                                [4]int32
}

var actK = func() *actConsts {
	k := new(actConsts)
	set := func(a *[4]float64, v float64) { *a = [4]float64{v, v, v, v} }
	set(&k.log2e, 1.44269504088896338700e+00)
	set(&k.ln2Hi, 6.93147180369123816490e-01)
	set(&k.ln2Lo, 1.90821492927058770002e-10)
	set(&k.half, 0.5)
	set(&k.one, 1)
	set(&k.two, 2)
	set(&k.e1, 1.66666666666666657415e-01)
	set(&k.e2, -2.77777777770155933842e-03)
	set(&k.e3, 6.61375632143793436117e-05)
	set(&k.e4, -1.65339022054652515390e-06)
	set(&k.e5, 4.13813679705723846039e-08)
	set(&k.p0, -9.64399179425052238628e-1)
	set(&k.p1, -9.92877231001918586564e1)
	set(&k.p2, -1.61468768441708447952e3)
	set(&k.q0, 1.12811678491632931402e2)
	set(&k.q1, 2.23548839060100448583e3)
	set(&k.q2, 4.84406305325125486048e3)
	set(&k.small, 0.625)
	set(&k.twenty, 20)
	set(&k.neg104, -104)
	for i := range 4 {
		k.sign[i] = f64bits(1 << 63)
		k.absMask[i] = f64bits(1<<63 - 1)
		k.bias[i] = 1023
	}
	return k
}()

func f64bits(b uint64) float64 { return math.Float64frombits(b) }

func ld(a *[4]float64) archsimd.Float64x4 { return archsimd.LoadFloat64x4(a) }

// kexp4 is kexp on 4 lanes.
func kexp4(d archsimd.Float64x4) archsimd.Float64x4 {
	k := actK
	sgn := d.AsInt64x4().And(ld(&k.sign).AsInt64x4())
	half := ld(&k.half).AsInt64x4().Or(sgn).AsFloat64x4()
	ki := ld(&k.log2e).Mul(d).Add(half).ConvertToInt32()
	kf := ki.ConvertToFloat64()
	// 2^k now, so that no 128-bit value stays live: Go spills those with
	// SSE moves, which cost tens of cycles each among 256-bit code.
	scale := ki.Add(archsimd.LoadInt32x4(&k.bias)).ExtendToInt64().ShiftAllLeft(52).AsFloat64x4()
	hi := d.Sub(kf.Mul(ld(&k.ln2Hi)))
	lo := kf.Mul(ld(&k.ln2Lo))
	r := hi.Sub(lo)
	t := r.Mul(r)
	p := t.Mul(ld(&k.e5))
	p = t.Mul(ld(&k.e4).Add(p))
	p = t.Mul(ld(&k.e3).Add(p))
	p = t.Mul(ld(&k.e2).Add(p))
	p = t.Mul(ld(&k.e1).Add(p))
	c := r.Sub(p)
	y := ld(&k.one).Sub(lo.Sub(r.Mul(c).Div(ld(&k.two).Sub(c))).Sub(hi))
	return y.Mul(scale)
}

// tanh4f64 is tanhKernel on 4 lanes of x (float64 of float32 values, not
// NaN: NaN lanes are the caller's).
func tanh4f64(x archsimd.Float64x4) archsimd.Float64x4 {
	k := actK
	z := x.AsInt64x4().And(ld(&k.absMask).AsInt64x4()).AsFloat64x4()
	m := z.Less(ld(&k.small))
	bits := m.ToBits()
	// Each branch only when a lane takes it, as $tanh4 does.
	var small, large archsimd.Float64x4
	if bits != 0 {
		s := z.Mul(z)
		num := ld(&k.p0).Mul(s).Add(ld(&k.p1)).Mul(s).Add(ld(&k.p2))
		den := s.Add(ld(&k.q0)).Mul(s).Add(ld(&k.q1)).Mul(s).Add(ld(&k.q2))
		small = z.Add(z.Mul(s).Mul(num).Div(den))
	}
	if bits != 15 {
		one := ld(&k.one)
		large = one.Sub(ld(&k.two).Div(kexp4(ld(&k.two).Mul(z.Min(ld(&k.twenty)))).Add(one)))
	}
	y := small.Merge(large, m)
	return y.AsInt64x4().Or(x.AsInt64x4().And(ld(&k.sign).AsInt64x4())).AsFloat64x4()
}

// sigmoid4f64 is sigmoidKernel on 4 lanes (not NaN).
func sigmoid4f64(x archsimd.Float64x4) archsimd.Float64x4 {
	k := actK
	d := x.AsInt64x4().Or(ld(&k.sign).AsInt64x4()).AsFloat64x4() // −|x|
	n104 := ld(&k.neg104)
	d = n104.Merge(d, d.Less(n104))
	e := kexp4(d)
	p := ld(&k.one).Add(e)
	return ld(&k.one).Div(p).Merge(e.Div(p), x.GreaterEqual(ld(&k.zero)))
}

// tanh8 and sigmoid8 are tanhKernel and sigmoidKernel on 8 lanes, in
// two float64 halves; NaN lanes keep v's bits. Each half's float32
// result is put into a 256-bit vector at once: a 128-bit value live
// across the calls would be spilled with SSE moves.
func tanh8(v archsimd.Float32x8) archsimd.Float32x8 {
	lo := tanh4f64(v.GetLo().ConvertToFloat64())
	hi := tanh4f64(v.GetHi().ConvertToFloat64())
	var r archsimd.Float32x8
	r = r.SetLo(lo.ConvertToFloat32()).SetHi(hi.ConvertToFloat32())
	return v.Merge(r, v.IsNaN())
}

func sigmoid8(v archsimd.Float32x8) archsimd.Float32x8 {
	lo := sigmoid4f64(v.GetLo().ConvertToFloat64())
	hi := sigmoid4f64(v.GetHi().ConvertToFloat64())
	var r archsimd.Float32x8
	r = r.SetLo(lo.ConvertToFloat32()).SetHi(hi.ConvertToFloat32())
	return v.Merge(r, v.IsNaN())
}

// avx2ActF64 runs Tanh or Sigmoid over x into dst; the last values
// (fewer than 8) through a masked load and store, so that no scalar code
// runs.
func avx2ActF64(dst, x []float32, op ActOp) {
	x = x[:len(dst)]
	i := 0
	if op == ActSigmoid {
		for ; i+8 <= len(dst); i += 8 {
			sigmoid8(archsimd.LoadFloat32x8Slice(x[i : i+8])).StoreSlice(dst[i : i+8])
		}
		if i < len(dst) {
			sigmoid8(archsimd.LoadFloat32x8SlicePart(x[i:])).StoreSlicePart(dst[i:])
		}
	} else {
		for ; i+8 <= len(dst); i += 8 {
			tanh8(archsimd.LoadFloat32x8Slice(x[i : i+8])).StoreSlice(dst[i : i+8])
		}
		if i < len(dst) {
			tanh8(archsimd.LoadFloat32x8SlicePart(x[i:])).StoreSlicePart(dst[i:])
		}
	}
	archsimd.ClearAVXUpperBits()
}

// hostAct reports whether avx2Act computes a with vector code: the ops
// of vectorAct, LeakyRelu, Tanh and Sigmoid.
func hostAct(a Act) bool {
	switch a.Op {
	case ActLeakyRelu, ActTanh, ActSigmoid:
		return true
	}
	return vectorAct(a)
}

// avx2LeakyRelu is actOne's LeakyRelu: x < 0 ? float32(alpha·x) : x (NaN
// and −0 as they are).
func avx2LeakyRelu(dst, x []float32, alpha float32) {
	x = x[:len(dst)]
	var zero archsimd.Float32x8
	al := [8]float32{alpha, alpha, alpha, alpha, alpha, alpha, alpha, alpha}
	av := archsimd.LoadFloat32x8(&al)
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		v := archsimd.LoadFloat32x8Slice(x[i : i+8])
		av.Mul(v).Merge(v, v.Less(zero)).StoreSlice(dst[i : i+8])
	}
	if i < len(dst) {
		v := archsimd.LoadFloat32x8SlicePart(x[i:])
		av.Mul(v).Merge(v, v.Less(zero)).StoreSlicePart(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
}
