package importer

import (
	"fmt"
	"math"
	"slices"

	"github.com/pwagen/pwagen/kernels"
)

// remap builds a tensor of shape whose element i is t's element src(i): the
// constant form of every layout operator, for any dtype.
func remap(t *Tensor, shape []int, src func(i int) int) *Tensor {
	n := Len(shape)
	out := &Tensor{DType: t.DType, Shape: shape}
	switch t.DType {
	case Float32:
		out.F = make([]float32, n)
		for i := range out.F {
			out.F[i] = t.F[src(i)]
		}
	case Int64:
		out.I = make([]int64, n)
		for i := range out.I {
			out.I[i] = t.I[src(i)]
		}
	case Bool:
		out.B = make([]bool, n)
		for i := range out.B {
			out.B[i] = t.B[src(i)]
		}
	}
	return out
}

func init() {
	// Operators whose output is constant whatever the inputs' values.
	register([]string{"Constant"}, &opDef{
		check: func(a Attrs, _ int64) string {
			for k, v := range a {
				if v.Kind == AttrStrings || (k == "sparse_value") {
					return "a " + k + " attribute"
				}
			}
			return ""
		},
		infer: func(n *Node, _ int64) error {
			a := n.Attrs
			var t *Tensor
			switch {
			case a.has("value"):
				t = a["value"].Tensor
			case a.has("value_float"):
				t = &Tensor{DType: Float32, F: []float32{a.float("value_float", 0)}}
			case a.has("value_floats"):
				t = &Tensor{DType: Float32, Shape: []int{len(a["value_floats"].Floats)}, F: a["value_floats"].Floats}
			case a.has("value_int"):
				t = &Tensor{DType: Int64, I: []int64{a.int("value_int", 0)}}
			case a.has("value_ints"):
				t = &Tensor{DType: Int64, Shape: []int{len(a["value_ints"].Ints)}, I: a["value_ints"].Ints}
			}
			if t == nil {
				return fmt.Errorf("has no value attribute pwagen reads")
			}
			setOut(n, 0, t.DType, t.Shape)
			n.Out[0].Const = t
			return nil
		},
	})
	register([]string{"Shape"}, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			s := n.In[0].Shape
			r := len(s)
			start, end := int(n.Attrs.int("start", 0)), int(n.Attrs.int("end", int64(r)))
			start, end = clampIdx(start, r), clampIdx(end, r)
			var dims []int64
			for i := start; i < end; i++ {
				dims = append(dims, int64(s[i]))
			}
			setOut(n, 0, Int64, []int{len(dims)})
			n.Out[0].Const = &Tensor{DType: Int64, Shape: []int{len(dims)}, I: dims}
			return nil
		},
	})
	register([]string{"Size"}, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			setOut(n, 0, Int64, nil)
			n.Out[0].Const = &Tensor{DType: Int64, I: []int64{int64(n.In[0].Len())}}
			return nil
		},
	})
	register([]string{"ConstantOfShape"}, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			st, err := constIn(n, 0, "shape")
			if err != nil {
				return err
			}
			shape := st.Ints()
			val := &Tensor{DType: Float32, F: []float32{0}}
			if a, ok := n.Attrs["value"]; ok && a.Tensor != nil {
				val = a.Tensor
			}
			if err := checkShape(shape); err != nil {
				return err
			}
			setOut(n, 0, val.DType, shape)
			n.Out[0].Const = remap(val, shape, func(int) int { return 0 })
			return nil
		},
	})
	register([]string{"Range"}, &opDef{
		minIn: 3,
		infer: func(n *Node, _ int64) error {
			var v [3]*Tensor
			for i := range v {
				t, err := constIn(n, i, [...]string{"start", "limit", "delta"}[i])
				if err != nil {
					return err
				}
				v[i] = t
			}
			dt := v[0].DType
			start, limit, delta := float64(v[0].Floats()[0]), float64(v[1].Floats()[0]), float64(v[2].Floats()[0])
			if dt == Int64 {
				start, limit, delta = float64(v[0].I[0]), float64(v[1].I[0]), float64(v[2].I[0])
			}
			if delta == 0 {
				return fmt.Errorf("delta is 0")
			}
			cnt := max(int(math.Ceil((limit-start)/delta)), 0)
			if cnt > maxElements {
				return fmt.Errorf("%d elements", cnt)
			}
			t := &Tensor{DType: dt, Shape: []int{cnt}}
			for i := 0; i < cnt; i++ {
				x := start + float64(i)*delta
				if dt == Int64 {
					t.I = append(t.I, int64(x))
				} else {
					t.F = append(t.F, float32(x))
				}
			}
			setOut(n, 0, dt, t.Shape)
			n.Out[0].Const = t
			return nil
		},
	})
	register([]string{"Cast"}, &opDef{
		minIn: 1,
		check: func(a Attrs, _ int64) string {
			switch a.int("to", 1) {
			case 1, 6, 7, 9, 10, 11, 16, 2, 3, 4, 5, 12, 13:
				return ""
			}
			return fmt.Sprintf("to = %d", a.int("to", 0))
		},
		infer: func(n *Node, _ int64) error {
			if to := n.Attrs.int("to", 1); (to == 10 || to == 16) && n.In[0].Const == nil {
				//lint:ignore ST1005 the message starts with an ONNX name (an operator or an input), spelled as ONNX does
				return fmt.Errorf("Cast to float16 or bfloat16 at run time is not supported (pwagen computes float32); pwagen folds it on constants only")
			}
			setOut(n, 0, castType(n.Attrs.int("to", 1)), n.In[0].Shape)
			return nil
		},
		fold: func(n *Node, _ int64) error {
			n.Out[0].Const = castTensor(n.In[0].Const, n.Out[0].DType, n.Attrs.int("to", 1))
			return nil
		},
		lower: func(p *planner, n *Node, _ int64) error {
			// Run-time tensors of every type are float32 holding exact
			// values: only float to integer and anything to bool compute.
			x, dt := n.In[0], n.Out[0].DType
			switch {
			case dt == Int64 && x.DType == Float32:
				p.emit(kernels.Trunc, n.Out[0], x)
			case dt == Bool && x.DType != Bool:
				zero := constOf("zero", &Tensor{DType: Float32, Shape: []int{}, F: []float32{0}})
				r := len(x.Shape)
				p.emit(kernels.Compare, n.Out[0], x, zero, kernels.CmpNotEqual, slices.Clone(x.Shape), slices.Clone(x.Shape), padShape(nil, r))
			default:
				n.Out[0].Alias = x
			}
			return nil
		},
	})
	cmp := []string{"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Not", "Where", "Mod"}
	register(cmp, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			shape := n.In[0].Shape
			for _, v := range n.In[1:] {
				if v == nil {
					return fmt.Errorf("an input is omitted")
				}
				s, err := broadcast(shape, v.Shape)
				if err != nil {
					return err
				}
				shape = s
			}
			dt := Bool
			switch n.Op {
			case "Where":
				if len(n.In) != 3 {
					return fmt.Errorf("has %d inputs, want 3", len(n.In))
				}
				dt = n.In[1].DType
			case "Mod":
				dt = n.In[0].DType
				if !allConst(n.In) {
					//lint:ignore ST1005 the message starts with an ONNX name (an operator or an input), spelled as ONNX does
					return fmt.Errorf("Mod at run time is not supported; pwagen folds it on constants only")
				}
			case "Not":
				if len(n.In) != 1 {
					return fmt.Errorf("has %d inputs, want 1", len(n.In))
				}
			default:
				if len(n.In) != 2 {
					return fmt.Errorf("has %d inputs, want 2", len(n.In))
				}
			}
			setOut(n, 0, dt, shape)
			return nil
		},
		fold: func(n *Node, _ int64) error {
			t, err := foldLogic(n)
			n.Out[0].Const = t
			return err
		},
		lower: func(p *planner, n *Node, _ int64) error {
			out := n.Out[0].Shape
			r := len(out)
			ps := func(v *Value) []int { return padShape(v.Shape, r) }
			switch n.Op {
			case "Where":
				p.emit(kernels.Where, n.Out[0], n.In[0], n.In[1], n.In[2], slices.Clone(out), ps(n.In[0]), ps(n.In[1]), ps(n.In[2]))
			case "Not":
				zero := constOf("zero", &Tensor{DType: Float32, Shape: []int{}, F: []float32{0}})
				p.emit(kernels.Compare, n.Out[0], n.In[0], zero, kernels.CmpEqual, slices.Clone(out), ps(n.In[0]), padShape(nil, r))
			default:
				p.emit(kernels.Compare, n.Out[0], n.In[0], n.In[1], cmpOps[n.Op], slices.Clone(out), ps(n.In[0]), ps(n.In[1]))
			}
			return nil
		},
	})
}

var cmpOps = map[string]kernels.CmpOp{
	"Equal": kernels.CmpEqual, "Less": kernels.CmpLess, "LessOrEqual": kernels.CmpLessEq,
	"Greater": kernels.CmpGreater, "GreaterOrEqual": kernels.CmpGreaterEq,
	"And": kernels.CmpAnd, "Or": kernels.CmpOr, "Xor": kernels.CmpXor,
}

func clampIdx(i, r int) int {
	if i < 0 {
		i += r
	}
	return min(max(i, 0), r)
}

func checkShape(shape []int) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("shape %v has a negative dimension", shape)
		}
		if d > 0 && n > maxElements/d {
			return fmt.Errorf("shape %v has more than %d elements", shape, maxElements)
		}
		n *= d
	}
	return nil
}

// castType maps ONNX's TensorProto.DataType to the graph's dtypes.
func castType(to int64) DType {
	switch to {
	case 1, 10, 11, 16: // float, float16, double, bfloat16
		return Float32
	case 9:
		return Bool
	}
	return Int64
}

func castTensor(t *Tensor, dt DType, to int64) *Tensor {
	out := &Tensor{DType: dt, Shape: t.Shape}
	n := t.Len()
	get := func(i int) float64 {
		switch t.DType {
		case Float32:
			return float64(t.F[i])
		case Int64:
			return float64(t.I[i])
		}
		if t.B[i] {
			return 1
		}
		return 0
	}
	switch dt {
	case Float32:
		out.F = make([]float32, n)
		for i := range out.F {
			out.F[i] = float32(get(i))
		}
		if to == 10 || to == 16 { // float16/bfloat16: round through the type
			for i, v := range out.F {
				out.F[i] = roundHalf(v, to == 16)
			}
		}
	case Int64:
		out.I = make([]int64, n)
		for i := range out.I {
			if t.DType == Int64 {
				out.I[i] = t.I[i]
			} else {
				out.I[i] = int64(get(i))
			}
		}
	case Bool:
		out.B = make([]bool, n)
		for i := range out.B {
			out.B[i] = get(i) != 0
		}
	}
	return out
}

// roundHalf rounds a float32 to float16 (or bfloat16) precision.
func roundHalf(v float32, bf bool) float32 {
	b := math.Float32bits(v)
	if bf {
		b += 0x7fff + (b>>16)&1
		return math.Float32frombits(b &^ 0xffff)
	}
	b += 0xfff + (b>>13)&1
	return math.Float32frombits(b &^ 0x1fff)
}

func foldLogic(n *Node) (*Tensor, error) {
	out := &Tensor{DType: n.Out[0].DType, Shape: n.Out[0].Shape}
	size := Len(out.Shape)
	idx := make([]func(int) int, len(n.In))
	f := make([][]float64, len(n.In))
	for k, v := range n.In {
		idx[k] = broadcastIndex(v.Shape, out.Shape)
		t := v.Const
		f[k] = make([]float64, t.Len())
		for i := range f[k] {
			switch t.DType {
			case Float32:
				f[k][i] = float64(t.F[i])
			case Int64:
				f[k][i] = float64(t.I[i])
			case Bool:
				if t.B[i] {
					f[k][i] = 1
				}
			}
		}
	}
	if n.Op == "Where" || n.Op == "Mod" {
		if n.Op == "Mod" && out.DType == Int64 {
			if n.Attrs.int("fmod", 0) == 1 { // the sign of the dividend, as C's %
				return intBinary("Fmod", n.In[0].Const, n.In[1].Const)
			}
			return intBinary("Mod", n.In[0].Const, n.In[1].Const)
		}
		src := &Tensor{DType: out.DType}
		vals := make([]float64, size)
		for i := range vals {
			if n.Op == "Mod" {
				vals[i] = math.Mod(f[0][idx[0](i)], f[1][idx[1](i)])
			} else if f[0][idx[0](i)] != 0 {
				vals[i] = f[1][idx[1](i)]
			} else {
				vals[i] = f[2][idx[2](i)]
			}
		}
		switch out.DType {
		case Float32:
			for _, v := range vals {
				src.F = append(src.F, float32(v))
			}
		case Int64:
			for i := range vals {
				// Exact for int64: pick from the source tensors.
				if n.Op == "Where" {
					if f[0][idx[0](i)] != 0 {
						src.I = append(src.I, n.In[1].Const.I[idx[1](i)])
					} else {
						src.I = append(src.I, n.In[2].Const.I[idx[2](i)])
					}
				}
			}
		case Bool:
			for _, v := range vals {
				src.B = append(src.B, v != 0)
			}
		}
		src.Shape = out.Shape
		return src, nil
	}
	out.B = make([]bool, size)
	for i := range out.B {
		a := f[0][idx[0](i)]
		var b float64
		if len(f) > 1 {
			b = f[1][idx[1](i)]
		}
		var r bool
		switch n.Op {
		case "Equal":
			r = a == b
		case "Less":
			r = a < b
		case "Greater":
			r = a > b
		case "LessOrEqual":
			r = a <= b
		case "GreaterOrEqual":
			r = a >= b
		case "And":
			r = a != 0 && b != 0
		case "Or":
			r = a != 0 || b != 0
		case "Xor":
			r = (a != 0) != (b != 0)
		case "Not":
			r = a == 0
		}
		out.B[i] = r
	}
	return out, nil
}
