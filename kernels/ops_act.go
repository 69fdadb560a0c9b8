package kernels

import "math"

// Activate sets dst[i] = a(x[i]) for the function a.Op with its attributes
// (see ActOp for each formula, which follows the ONNX operator of the same
// name; Selu takes alpha as Alpha and gamma as Beta). Exp, Log, Sqrt, Tanh,
// Sigmoid, Elu, Selu, Erf, Softplus, Sin, Cos and HardSwish are computed
// in float64 and rounded once, so they are within one float32 ulp of the
// exact value (Sigmoid and Tanh with the package's own float64 exp, the
// same bits natively and in the WebAssembly kernels); Gelu and GeluTanh
// run GeluKernel (float32, a few ulps, the same bits natively and in
// WebAssembly). Edge values follow the formulas
// as IEEE arithmetic gives them: NaN in gives NaN out (Relu keeps NaN and
// -0 like ReLU), Log(0) = -Inf, Log(x<0) = NaN, Reciprocal(±0) = ±Inf,
// Round rounds half to even, Sign(±0) = ±0, and at x = -Inf HardSwish
// gives NaN (-Inf·0), as ONNX's formula does (GeluKernel gives NaN or
// -Inf there). Softplus is evaluated stably: Softplus(x) = x for large x,
// never +Inf for finite x.
//
// len(dst) must be len(x); dst may be x itself (in place) but must not
// partly overlap it.
func Activate(dst, x []float32, a Act) {
	sameLen("Activate", "len(dst), len(x)", len(dst), len(x))
	noPartial("Activate", "dst", "x", dst, x)
	checkAct("Activate", a)
	activateRange(dst, x, a)
}

// checkAct panics on an ActOp this package does not define.
func checkAct(fn string, a Act) {
	if a.Op > ActScale {
		shapeErr(fn, "unknown ActOp %d (want ActNone..ActScale)", int(a.Op))
	}
}

// activateRange is Activate without the checks: the element-wise loop a
// SIMD primitive can replace.
func activateRange(dst, x []float32, a Act) {
	if len(dst) == 0 {
		return
	}
	if Accelerated && exactInKernel(a.Op) && ActKernel(dst, x, a) {
		return // the WebAssembly SIMD kernel
	}
	x = x[:len(dst)]
	al, be := a.Alpha, a.Beta
	switch a.Op {
	case ActNone:
		copy(dst, x)
	case ActRelu:
		relu(dst, x)
	case ActLeakyRelu:
		for i, v := range x {
			if v < 0 {
				v = al * v
			}
			dst[i] = v
		}
	case ActElu:
		for i, v := range x {
			if v < 0 {
				v = float32(float64(al) * math.Expm1(float64(v)))
			}
			dst[i] = v
		}
	case ActSigmoid:
		for i, v := range x {
			dst[i] = sigmoidKernel(v)
		}
	case ActHardSigmoid:
		for i, v := range x {
			dst[i] = max(0, min(1, float32(al*v)+be))
		}
	case ActHardSwish:
		for i, v := range x {
			f := float64(v)
			dst[i] = float32(f * max(0, min(1, f/6+0.5)))
		}
	case ActTanh:
		for i, v := range x {
			dst[i] = tanhKernel(v)
		}
	case ActClip:
		for i, v := range x {
			dst[i] = min(max(v, al), be)
		}
	case ActExp:
		for i, v := range x {
			dst[i] = float32(math.Exp(float64(v)))
		}
	case ActLog:
		for i, v := range x {
			dst[i] = float32(math.Log(float64(v)))
		}
	case ActSqrt:
		for i, v := range x {
			dst[i] = float32(math.Sqrt(float64(v)))
		}
	case ActNeg:
		for i, v := range x {
			dst[i] = -v
		}
	case ActAbs:
		for i, v := range x {
			dst[i] = math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
		}
	case ActReciprocal:
		for i, v := range x {
			dst[i] = 1 / v
		}
	case ActErf:
		for i, v := range x {
			dst[i] = float32(math.Erf(float64(v)))
		}
	case ActGelu, ActGeluTanh:
		// The transformer primitive in every build (prims_tx.go): the
		// same bits natively and in WebAssembly.
		GeluKernel(dst, x, a.Op == ActGeluTanh)
	case ActSoftplus:
		for i, v := range x {
			f := float64(v)
			if f > 0 {
				f += math.Log1p(math.Exp(-f))
			} else {
				f = math.Log1p(math.Exp(f))
			}
			dst[i] = float32(f)
		}
	case ActFloor:
		for i, v := range x {
			dst[i] = float32(math.Floor(float64(v)))
		}
	case ActCeil:
		for i, v := range x {
			dst[i] = float32(math.Ceil(float64(v)))
		}
	case ActSin:
		for i, v := range x {
			dst[i] = float32(math.Sin(float64(v)))
		}
	case ActCos:
		for i, v := range x {
			dst[i] = float32(math.Cos(float64(v)))
		}
	case ActSelu:
		for i, v := range x {
			if v > 0 {
				dst[i] = be * v
			} else {
				dst[i] = float32(float64(be) * float64(al) * math.Expm1(float64(v)))
			}
		}
	case ActSign:
		for i, v := range x {
			switch {
			case v > 0:
				v = 1
			case v < 0:
				v = -1
			}
			dst[i] = v // ±0 and NaN stay
		}
	case ActRound:
		for i, v := range x {
			dst[i] = float32(math.RoundToEven(float64(v)))
		}
	case ActScale:
		for i, v := range x {
			dst[i] = float32(al*v) + be
		}
	}
}

// exactInKernel lists the activations whose SIMD kernel gives the bits this
// loop gives (HardSwish, Sigmoid and Tanh in float64 in both, step for
// step; HardSigmoid and Scale with the same float32 roundings): in a wasip1 build they run there, not as
// Go-compiled loops (which call the runtime for each min and max).
func exactInKernel(op ActOp) bool {
	switch op {
	case ActRelu, ActClip, ActLeakyRelu, ActHardSigmoid, ActHardSwish, ActScale, ActSigmoid, ActTanh:
		return true
	}
	return false
}
