package importer

import (
	"fmt"
	"math"
	"slices"

	"github.com/pwagen/pwagen/kernels"
)

// unary maps the element-wise operators to kernels.Act, from the node's
// attributes (and, for Clip, its constant min and max inputs).
var unary = map[string]func(n *Node) (kernels.Act, error){
	"Relu":        act(kernels.ActRelu),
	"Sigmoid":     act(kernels.ActSigmoid),
	"HardSwish":   act(kernels.ActHardSwish),
	"Tanh":        act(kernels.ActTanh),
	"Exp":         act(kernels.ActExp),
	"Log":         act(kernels.ActLog),
	"Sqrt":        act(kernels.ActSqrt),
	"Neg":         act(kernels.ActNeg),
	"Abs":         act(kernels.ActAbs),
	"Reciprocal":  act(kernels.ActReciprocal),
	"Erf":         act(kernels.ActErf),
	"Softplus":    act(kernels.ActSoftplus),
	"Floor":       act(kernels.ActFloor),
	"Ceil":        act(kernels.ActCeil),
	"Sin":         act(kernels.ActSin),
	"Cos":         act(kernels.ActCos),
	"Sign":        act(kernels.ActSign),
	"Round":       act(kernels.ActRound),
	"LeakyRelu":   actAB(kernels.ActLeakyRelu, "alpha", 0.01, "", 0),
	"Elu":         actAB(kernels.ActElu, "alpha", 1, "", 0),
	"HardSigmoid": actAB(kernels.ActHardSigmoid, "alpha", 0.2, "beta", 0.5),
	"Selu":        actAB(kernels.ActSelu, "alpha", 1.67326319217681884765625, "gamma", 1.05070102214813232421875),
	"Gelu": func(n *Node) (kernels.Act, error) {
		switch n.Attrs.str("approximate", "none") {
		case "none":
			return kernels.Act{Op: kernels.ActGelu}, nil
		case "tanh":
			return kernels.Act{Op: kernels.ActGeluTanh}, nil
		}
		return kernels.Act{}, fmt.Errorf("approximate = %q; want none or tanh", n.Attrs.str("approximate", ""))
	},
	"Clip": func(n *Node) (kernels.Act, error) {
		lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
		if n.Attrs.has("min") || n.Attrs.has("max") { // opset < 11
			lo, hi = n.Attrs.float("min", lo), n.Attrs.float("max", hi)
		}
		for i, p := range []*float32{&lo, &hi} {
			if v := n.in(i + 1); v != nil {
				if v.Const == nil {
					//lint:ignore ST1005 the message starts with an ONNX name (an operator or an input), spelled as ONNX does
					return kernels.Act{}, fmt.Errorf("Clip's bound %q is computed at run time; pwagen needs it constant", v.Name)
				}
				*p = v.Const.Floats()[0]
			}
		}
		return kernels.Act{Op: kernels.ActClip, Alpha: lo, Beta: hi}, nil
	},
}

func act(op kernels.ActOp) func(*Node) (kernels.Act, error) {
	return func(*Node) (kernels.Act, error) { return kernels.Act{Op: op}, nil }
}

func actAB(op kernels.ActOp, a string, da float32, b string, db float32) func(*Node) (kernels.Act, error) {
	return func(n *Node) (kernels.Act, error) {
		x := kernels.Act{Op: op, Alpha: n.Attrs.float(a, da)}
		if b != "" {
			x.Beta = n.Attrs.float(b, db)
		}
		return x, nil
	}
}

func init() {
	var names []string
	for k := range unary {
		names = append(names, k)
	}
	register(names, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			x := n.In[0]
			if x.DType != Float32 && !(x.Const != nil && (n.Op == "Neg" || n.Op == "Abs" || n.Op == "Sign")) {
				return fmt.Errorf("input is %s; %s takes float32", x.DType, n.Op)
			}
			setOut(n, 0, x.DType, x.Shape)
			if n.Op == "Clip" && runtimeBounds(n) {
				for _, b := range n.In[1:] {
					if b != nil && b.Len() != 1 {
						//lint:ignore ST1005 the message starts with an ONNX name (an operator or an input), spelled as ONNX does
						return fmt.Errorf("Clip's bound %s is not a scalar", b)
					}
				}
				return nil
			}
			_, err := unary[n.Op](n)
			return err
		},
		fold: func(n *Node, opset int64) error {
			x := n.In[0]
			if x.DType == Int64 {
				out := make([]int64, len(x.Const.I))
				for i, v := range x.Const.I {
					switch n.Op {
					case "Neg":
						out[i] = -v
					case "Abs":
						out[i] = max(v, -v)
					case "Sign":
						out[i] = int64(min(max(v, -1), 1))
					}
				}
				n.Out[0].Const = &Tensor{DType: Int64, Shape: x.Shape, I: out}
				return nil
			}
			return foldByExec(n, opset)
		},
		lower: func(p *planner, n *Node, _ int64) error {
			if n.Op == "Clip" && runtimeBounds(n) {
				return lowerClip(p, n)
			}
			a, err := unary[n.Op](n)
			if err != nil {
				return err
			}
			p.emit(kernels.Activate, n.Out[0], n.In[0], a)
			return nil
		},
	})
	register([]string{"Identity", "Dropout"}, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			if t := n.in(2); n.Op == "Dropout" && t != nil && (t.Const == nil || t.Const.Ints()[0] != 0) {
				return fmt.Errorf("runs in training mode, which is random; export the model in eval mode (model.eval())")
			}
			setOut(n, 0, n.In[0].DType, n.In[0].Shape)
			if n.Op == "Dropout" && len(n.Out) > 1 {
				setOut(n, 1, Bool, n.In[0].Shape)
				n.Out[1].Const = &Tensor{DType: Bool, Shape: n.In[0].Shape, B: make([]bool, n.In[0].Len())}
				for i := range n.Out[1].Const.B {
					n.Out[1].Const.B[i] = true
				}
			}
			return nil
		},
		fold: func(n *Node, _ int64) error {
			n.Out[0].Const = n.In[0].Const
			return nil
		},
		lower: func(p *planner, n *Node, _ int64) error {
			n.Out[0].Alias = n.In[0]
			return nil
		},
	})
}

// binary maps the two-input element-wise operators to kernels.BinOp.
var binaryOps = map[string]kernels.BinOp{
	"Add": kernels.BinAdd, "Sub": kernels.BinSub, "Mul": kernels.BinMul, "Div": kernels.BinDiv,
	"Max": kernels.BinMax, "Min": kernels.BinMin, "Pow": kernels.BinPow, "PRelu": kernels.BinPRelu,
	"Sum": kernels.BinAdd, "Mean": kernels.BinAdd,
}

func init() {
	var names []string
	for k := range binaryOps {
		names = append(names, k)
	}
	register(names, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			variadic := n.Op == "Max" || n.Op == "Min" || n.Op == "Sum" || n.Op == "Mean"
			if !variadic && len(n.In) != 2 {
				return fmt.Errorf("has %d inputs, want 2", len(n.In))
			}
			shape := n.In[0].Shape
			dt := n.In[0].DType
			for _, v := range n.In[1:] {
				if v == nil {
					return fmt.Errorf("an input is omitted")
				}
				s, err := broadcast(shape, v.Shape)
				if err != nil {
					return err
				}
				shape = s
				if n.Op != "Pow" && v.DType != dt {
					return fmt.Errorf("inputs are %s and %s", dt, v.DType)
				}
			}
			if dt == Int64 && n.Op == "Div" && !allConst(n.In) {
				return fmt.Errorf("integer Div at run time is not supported (it would divide as float); pwagen folds it on constants only")
			}
			if n.Op == "PRelu" && !slices.Equal(shape, n.In[0].Shape) {
				// The slope broadcasts to the input (unidirectionally).
				return fmt.Errorf("slope %s does not broadcast to the input %s", n.In[1], n.In[0])
			}
			setOut(n, 0, dt, shape)
			return nil
		},
		fold: func(n *Node, opset int64) error {
			if n.Out[0].DType == Int64 {
				t := n.In[0].Const
				for _, v := range n.In[1:] {
					r, err := intBinary(n.Op, t, v.Const)
					if err != nil {
						return err
					}
					t = r
				}
				n.Out[0].Const = t
				return nil
			}
			return foldByExec(n, opset)
		},
		lower: func(p *planner, n *Node, _ int64) error {
			op := binaryOps[n.Op]
			out := n.Out[0]
			acc := n.In[0]
			for i, v := range n.In[1:] {
				dst := out
				if i < len(n.In)-2 || n.Op == "Mean" {
					s, _ := broadcast(acc.Shape, v.Shape)
					dst = p.temp(out, s)
				}
				r := max(len(acc.Shape), len(v.Shape), len(dst.Shape))
				p.emit(kernels.Binary, dst, acc, v, op, padShape(dst.Shape, r), padShape(acc.Shape, r), padShape(v.Shape, r))
				acc = dst
			}
			if len(n.In) == 1 {
				out.Alias = n.In[0]
				return nil
			}
			if n.Op == "Mean" {
				p.emit(kernels.Activate, out, acc, kernels.Act{Op: kernels.ActScale, Alpha: 1 / float32(len(n.In))})
			}
			return nil
		},
	})
}

// intBinary is an element-wise operator on int64 constants (shape
// arithmetic).
func intBinary(op string, a, b *Tensor) (*Tensor, error) {
	shape, err := broadcast(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	ai, bi := broadcastIndex(a.Shape, shape), broadcastIndex(b.Shape, shape)
	out := &Tensor{DType: Int64, Shape: shape, I: make([]int64, Len(shape))}
	for i := range out.I {
		x, y := a.I[ai(i)], b.I[bi(i)]
		var r int64
		switch op {
		case "Add", "Sum":
			r = x + y
		case "Sub":
			r = x - y
		case "Mul":
			r = x * y
		case "Div":
			if y == 0 {
				return nil, fmt.Errorf("integer division by zero")
			}
			r = x / y
		case "Max":
			r = max(x, y)
		case "Min":
			r = min(x, y)
		case "Mod":
			if y == 0 {
				return nil, fmt.Errorf("integer modulo by zero")
			}
			r = x % y
			if r != 0 && (r < 0) != (y < 0) {
				r += y
			}
		case "Fmod":
			if y == 0 {
				return nil, fmt.Errorf("integer modulo by zero")
			}
			r = x % y
		case "Pow":
			r = int64(math.Pow(float64(x), float64(y)))
		default:
			return nil, fmt.Errorf("%s on int64 is not supported", op)
		}
		out.I[i] = r
	}
	return out, nil
}

// broadcastIndex maps an index of out (shape) to the index of a tensor of
// shape s broadcast to it.
func broadcastIndex(s, shape []int) func(int) int {
	if Len(s) == Len(shape) {
		return func(i int) int { return i }
	}
	if Len(s) == 1 {
		return func(int) int { return 0 }
	}
	ps := padShape(s, len(shape))
	st := strides(ps)
	os := strides(shape)
	return func(i int) int {
		j := 0
		for d := range shape {
			c := (i / os[d]) % shape[d]
			if ps[d] != 1 {
				j += c * st[d]
			}
		}
		return j
	}
}

// runtimeBounds tells whether a Clip's min or max is computed at run time
// (openWakeWord's mel model clips at its own maximum minus 80 dB).
func runtimeBounds(n *Node) bool {
	for _, b := range n.In[1:] {
		if b != nil && b.Const == nil {
			return true
		}
	}
	return false
}

// lowerClip clips against run-time bounds: max(x, lo), then min(·, hi).
func lowerClip(p *planner, n *Node) error {
	x := n.In[0]
	r := len(x.Shape)
	one := padShape(nil, r)
	if r == 0 {
		one = nil
	}
	cur := x
	for i, op := range []kernels.BinOp{kernels.BinMax, kernels.BinMin} {
		b := n.in(i + 1)
		if b == nil {
			continue
		}
		dst := n.Out[0]
		p.emit(kernels.Binary, dst, cur, b, op, x.Shape, x.Shape, one)
		cur = dst
	}
	if cur == x {
		n.Out[0].Alias = x
	}
	return nil
}
