package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// Naive references for the operators, written from the ONNX spec as
// straight loops in float64, independent of the package's code: flat
// indices are decoded into coordinates and every rule is applied per
// element.

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// coords decodes flat index f of shape into coordinates.
func coords(f int, shape []int) []int {
	c := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		c[i] = f % shape[i]
		f /= shape[i]
	}
	return c
}

// flat encodes coordinates of shape.
func flat(c, shape []int) int {
	f := 0
	for i := range shape {
		f = f*shape[i] + c[i]
	}
	return f
}

// closeTo: got is within rel·scale + ulp-level of want; NaN matches NaN,
// infinities match exactly.
func closeTo(got float32, want, scale, rel float64) bool {
	g := float64(got)
	if math.IsNaN(want) || math.IsNaN(g) {
		return math.IsNaN(want) && math.IsNaN(g)
	}
	if math.IsInf(g, 0) {
		return g == want || (math.Abs(want) > math.MaxFloat32 && (g > 0) == (want > 0))
	}
	if math.IsInf(want, 0) {
		return false
	}
	return math.Abs(g-want) <= rel*scale+2e-7*math.Abs(want)+1e-30
}

// check compares got with want element by element, with scale[i] the sum
// of absolute terms (nil: |want|).
func check(t *testing.T, what string, got []float32, want, scale []float64, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range want {
		s := math.Abs(want[i])
		if scale != nil {
			s = scale[i]
		}
		if !closeTo(got[i], want[i], s, rel) {
			t.Fatalf("%s: [%d] = %v, want %v (scale %g)", what, i, got[i], want[i], s)
		}
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func f64(s []float32) []float64 {
	o := make([]float64, len(s))
	for i, v := range s {
		o[i] = float64(v)
	}
	return o
}

// refAct is ONNX's formula for each ActOp.
func refAct(a kernels.Act, x float64) float64 {
	al, be := float64(a.Alpha), float64(a.Beta)
	switch a.Op {
	case kernels.ActNone:
		return x
	case kernels.ActRelu:
		if x < 0 {
			return 0
		}
		return x
	case kernels.ActLeakyRelu:
		if x < 0 {
			return al * x
		}
		return x
	case kernels.ActElu:
		if x < 0 {
			return al * (math.Exp(x) - 1)
		}
		return x
	case kernels.ActSigmoid:
		return 1 / (1 + math.Exp(-x))
	case kernels.ActHardSigmoid:
		return math.Max(0, math.Min(1, al*x+be))
	case kernels.ActHardSwish:
		return x * math.Max(0, math.Min(1, x/6+0.5))
	case kernels.ActTanh:
		return math.Tanh(x)
	case kernels.ActClip:
		return math.Min(math.Max(x, al), be)
	case kernels.ActExp:
		return math.Exp(x)
	case kernels.ActLog:
		return math.Log(x)
	case kernels.ActSqrt:
		return math.Sqrt(x)
	case kernels.ActNeg:
		return -x
	case kernels.ActAbs:
		return math.Abs(x)
	case kernels.ActReciprocal:
		return 1 / x
	case kernels.ActErf:
		return math.Erf(x)
	case kernels.ActGelu:
		return x / 2 * (1 + math.Erf(x/math.Sqrt(2)))
	case kernels.ActGeluTanh:
		return x / 2 * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	case kernels.ActSoftplus:
		if x > 30 {
			return x + math.Exp(-x)
		}
		return math.Log(1 + math.Exp(x))
	case kernels.ActFloor:
		return math.Floor(x)
	case kernels.ActCeil:
		return math.Ceil(x)
	case kernels.ActSin:
		return math.Sin(x)
	case kernels.ActCos:
		return math.Cos(x)
	case kernels.ActSelu:
		if x > 0 {
			return be * x
		}
		return be * (al*math.Exp(x) - al)
	case kernels.ActSign:
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return x
	case kernels.ActRound:
		return math.RoundToEven(x)
	case kernels.ActScale:
		return al*x + be
	}
	panic("refAct: unknown op")
}

// refBinary applies op with numpy broadcasting, element by element.
func refBinary(a, b []float32, op kernels.BinOp, out, as, bs []int) []float64 {
	want := make([]float64, prod(out))
	for f := range want {
		c := coords(f, out)
		ca, cb := make([]int, len(c)), make([]int, len(c))
		for i := range c {
			if as[i] != 1 {
				ca[i] = c[i]
			}
			if bs[i] != 1 {
				cb[i] = c[i]
			}
		}
		x, y := float64(a[flat(ca, as)]), float64(b[flat(cb, bs)])
		var v float64
		switch op {
		case kernels.BinAdd:
			v = x + y
		case kernels.BinSub:
			v = x - y
		case kernels.BinMul:
			v = x * y
		case kernels.BinDiv:
			v = x / y
		case kernels.BinMax:
			if math.IsNaN(x) || math.IsNaN(y) {
				v = math.NaN()
			} else {
				v = math.Max(x, y)
			}
		case kernels.BinMin:
			if math.IsNaN(x) || math.IsNaN(y) {
				v = math.NaN()
			} else {
				v = math.Min(x, y)
			}
		case kernels.BinPow:
			v = math.Pow(x, y)
		case kernels.BinPRelu:
			v = x
			if x < 0 {
				v = x * y
			}
		}
		want[f] = v
	}
	return want
}

// refConvOp is ONNX Conv by its definition, in float64, with the sum of
// absolute terms for the tolerance. 1-D is In of one entry.
func refConvOp(src, w, b []float32, p kernels.ConvParams) (out, abs []float64) {
	r := len(p.In)
	icg, ocg := p.InC/p.Group, p.OutC/p.Group
	os, ks := prod(p.Out), prod(p.Kernel)
	out, abs = make([]float64, p.N*p.OutC*os), make([]float64, p.N*p.OutC*os)
	for n := range p.N {
		for oc := range p.OutC {
			g := oc / ocg
			for o := range os {
				oco := coords(o, p.Out)
				var s, a float64
				if b != nil {
					s, a = float64(b[oc]), math.Abs(float64(b[oc]))
				}
				for ic := range icg {
					for k := range ks {
						kc := coords(k, p.Kernel)
						pos := make([]int, r)
						inside := true
						for i := range r {
							pos[i] = oco[i]*p.Stride[i] - p.Pad[i] + kc[i]*p.Dilation[i]
							if pos[i] < 0 || pos[i] >= p.In[i] {
								inside = false
							}
						}
						if !inside {
							continue
						}
						c := g*icg + ic
						x := float64(src[(n*p.InC+c)*prod(p.In)+flat(pos, p.In)])
						wv := float64(w[(oc*icg+ic)*ks+k])
						s += wv * x
						a += math.Abs(wv * x)
					}
				}
				i := (n*p.OutC+oc)*os + o
				out[i] = refAct(p.Act, s)
				abs[i] = a + math.Abs(out[i])
			}
		}
	}
	return out, abs
}

// refPool is ONNX MaxPool/AveragePool by definition.
func refPool(src []float32, p kernels.PoolParams, isMax bool) []float64 {
	r := len(p.In)
	os, ks := prod(p.Out), prod(p.Kernel)
	out := make([]float64, p.N*p.C*os)
	for pl := range p.N * p.C {
		for o := range os {
			oc := coords(o, p.Out)
			m, s, n, npad := math.Inf(-1), 0.0, 0, 0
			for k := range ks {
				kc := coords(k, p.Kernel)
				pos := make([]int, r)
				inside, counted := true, true
				for i := range r {
					pos[i] = oc[i]*p.Stride[i] - p.Pad[i] + kc[i]*p.Dilation[i]
					if pos[i] < 0 || pos[i] >= p.In[i] {
						inside = false
					}
					if pos[i] < -p.Pad[i] || pos[i] >= p.In[i]+p.PadEnd[i] {
						counted = false
					}
				}
				if counted {
					npad++
				}
				if !inside {
					continue
				}
				v := float64(src[pl*prod(p.In)+flat(pos, p.In)])
				if v > m || math.IsNaN(v) {
					if !math.IsNaN(m) {
						m = v
					}
				}
				s += v
				n++
			}
			if isMax {
				out[pl*os+o] = m
			} else if p.CountIncludePad {
				out[pl*os+o] = s / float64(npad)
			} else {
				out[pl*os+o] = s / float64(n)
			}
		}
	}
	return out
}
