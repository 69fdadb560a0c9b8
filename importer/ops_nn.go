package importer

import (
	"fmt"
	"math"
	"slices"

	"github.com/pwagen/pwagen/kernels"
)

// spatial holds the resolved window geometry of a Conv or pooling node.
type spatial struct {
	in, out, kernel, stride, dilation, pad, padEnd []int
}

// window resolves kernel_shape, strides, dilations, pads, auto_pad and
// ceil_mode against the input's spatial dimensions.
func window(n *Node, in []int, kernel []int, ceil bool) (*spatial, error) {
	r := len(in)
	if r < 1 || r > 2 {
		return nil, fmt.Errorf("has %d spatial dimensions; pwagen compiles 1-D and 2-D", r)
	}
	if len(kernel) != r {
		return nil, fmt.Errorf("kernel %v does not match %d spatial dimensions", kernel, r)
	}
	ones := func() []int {
		s := make([]int, r)
		for i := range s {
			s[i] = 1
		}
		return s
	}
	s := &spatial{in: in, kernel: kernel, stride: ones(), dilation: ones(), pad: make([]int, r), padEnd: make([]int, r), out: make([]int, r)}
	if v, ok := n.Attrs.ints("strides"); ok {
		if len(v) != r {
			return nil, fmt.Errorf("strides %v: want %d values", v, r)
		}
		s.stride = v
	}
	if v, ok := n.Attrs.ints("dilations"); ok {
		if len(v) != r {
			return nil, fmt.Errorf("dilations %v: want %d values", v, r)
		}
		s.dilation = v
	}
	for i := 0; i < r; i++ {
		if s.stride[i] < 1 || s.dilation[i] < 1 || kernel[i] < 1 {
			return nil, fmt.Errorf("kernel %v, strides %v and dilations %v must be positive", kernel, s.stride, s.dilation)
		}
	}
	autoPad := n.Attrs.str("auto_pad", "NOTSET")
	if v, ok := n.Attrs.ints("pads"); ok && autoPad == "NOTSET" {
		if len(v) != 2*r {
			return nil, fmt.Errorf("pads %v: want %d values", v, 2*r)
		}
		copy(s.pad, v[:r])
		copy(s.padEnd, v[r:])
	}
	for i := 0; i < r; i++ {
		ext := (kernel[i]-1)*s.dilation[i] + 1
		switch autoPad {
		case "SAME_UPPER", "SAME_LOWER":
			s.out[i] = (in[i] + s.stride[i] - 1) / s.stride[i]
			total := max((s.out[i]-1)*s.stride[i]+ext-in[i], 0)
			if autoPad == "SAME_UPPER" {
				s.pad[i] = total / 2
			} else {
				s.pad[i] = (total + 1) / 2
			}
			s.padEnd[i] = total - s.pad[i]
			continue
		case "VALID", "NOTSET":
		default:
			return nil, fmt.Errorf("auto_pad %q; want NOTSET, SAME_UPPER, SAME_LOWER or VALID", autoPad)
		}
		if s.pad[i] < 0 || s.padEnd[i] < 0 {
			return nil, fmt.Errorf("pads %v are negative", n.Attrs["pads"].Ints)
		}
		span := in[i] + s.pad[i] + s.padEnd[i] - ext
		if span < 0 {
			return nil, fmt.Errorf("the window (%d with dilation) is larger than the padded input (%d) on axis %d", ext, in[i]+s.pad[i]+s.padEnd[i], i)
		}
		if ceil {
			s.out[i] = (span+s.stride[i]-1)/s.stride[i] + 1
			if (s.out[i]-1)*s.stride[i] >= in[i]+s.pad[i] {
				s.out[i]--
			}
		} else {
			s.out[i] = span/s.stride[i] + 1
		}
	}
	return s, nil
}

func convWindow(n *Node) (*spatial, error) {
	x, w := n.In[0], n.In[1]
	if len(x.Shape) < 3 || len(w.Shape) != len(x.Shape) {
		return nil, fmt.Errorf("input %s and weights %s: want N×C×… and M×C/group×…", shapeString(x.Shape), shapeString(w.Shape))
	}
	k := w.Shape[2:]
	if ks, ok := n.Attrs.ints("kernel_shape"); ok && !slices.Equal(ks, k) {
		return nil, fmt.Errorf("kernel_shape %v differs from the weights' %v", ks, k)
	}
	return window(n, x.Shape[2:], k, false)
}

func convParams(n *Node) (kernels.ConvParams, error) {
	x, w := n.In[0], n.In[1]
	s, err := convWindow(n)
	if err != nil {
		return kernels.ConvParams{}, err
	}
	g := int(n.Attrs.int("group", 1))
	c := x.Shape[1]
	m := w.Shape[0]
	if g < 1 || c%g != 0 || m%g != 0 || w.Shape[1] != c/g {
		return kernels.ConvParams{}, fmt.Errorf("group %d does not fit %d input channels, weights %s", g, c, shapeString(w.Shape))
	}
	if b := n.in(2); b != nil && b.Len() != m {
		return kernels.ConvParams{}, fmt.Errorf("bias has %d values for %d output channels", b.Len(), m)
	}
	return kernels.ConvParams{N: x.Shape[0], InC: c, OutC: m, Group: g, In: s.in, Out: s.out, Kernel: s.kernel, Stride: s.stride, Dilation: s.dilation, Pad: s.pad}, nil
}

func poolParams(n *Node) (kernels.PoolParams, error) {
	x := n.In[0]
	if len(x.Shape) < 3 {
		return kernels.PoolParams{}, fmt.Errorf("input %s: want N×C×…", shapeString(x.Shape))
	}
	k, ok := n.Attrs.ints("kernel_shape")
	if !ok {
		return kernels.PoolParams{}, fmt.Errorf("has no kernel_shape")
	}
	s, err := window(n, x.Shape[2:], k, n.Attrs.int("ceil_mode", 0) == 1)
	if err != nil {
		return kernels.PoolParams{}, err
	}
	return kernels.PoolParams{N: x.Shape[0], C: x.Shape[1], In: s.in, Out: s.out, Kernel: s.kernel, Stride: s.stride, Dilation: s.dilation, Pad: s.pad, PadEnd: s.padEnd, CountIncludePad: n.Attrs.int("count_include_pad", 0) == 1}, nil
}

func needFloat(n *Node) error {
	for i, v := range n.In {
		if v != nil && v.DType != Float32 && (i == 0 || v.Const == nil) {
			return fmt.Errorf("input %s is not float32", v)
		}
	}
	return nil
}

func init() {
	register([]string{"Conv"}, &opDef{
		minIn: 2,
		check: func(a Attrs, _ int64) string {
			if k, ok := a.ints("kernel_shape"); ok && len(k) > 2 {
				return fmt.Sprintf("%d-D convolution (pwagen compiles 1-D and 2-D)", len(k))
			}
			return ""
		},
		infer: func(n *Node, _ int64) error {
			if err := needFloat(n); err != nil {
				return err
			}
			p, err := convParams(n)
			if err != nil {
				return err
			}
			setOut(n, 0, Float32, append([]int{p.N, p.OutC}, p.Out...))
			return nil
		},
		lower: func(pl *planner, n *Node, _ int64) error {
			p, err := convParams(n)
			if err != nil {
				return err
			}
			if a, ok := n.Attrs["pwagen.act"]; ok {
				p.Act = actFromAttr(a)
			}
			var sc any = Scratch{N: kernels.ConvScratch(p)}
			if sc.(Scratch).N == 0 {
				sc = nil
			}
			pl.emit(kernels.Conv, n.Out[0], n.In[0], n.In[1], optional(n.in(2)), sc, p)
			return nil
		},
	})
	pool := func(maxPool bool) *opDef {
		return &opDef{
			minIn: 1,
			check: func(a Attrs, _ int64) string {
				if k, ok := a.ints("kernel_shape"); ok && len(k) > 2 {
					return fmt.Sprintf("%d-D pooling (pwagen compiles 1-D and 2-D)", len(k))
				}
				if a.int("storage_order", 0) != 0 {
					return "storage_order 1"
				}
				return ""
			},
			infer: func(n *Node, _ int64) error {
				if err := needFloat(n); err != nil {
					return err
				}
				if len(n.Out) > 1 && n.Out[1].Name != "" {
					return fmt.Errorf("its Indices output is not supported")
				}
				p, err := poolParams(n)
				if err != nil {
					return err
				}
				setOut(n, 0, Float32, append([]int{p.N, p.C}, p.Out...))
				for i := 1; i < len(n.Out); i++ {
					setOut(n, i, Int64, nil)
					n.Out[i].Const = &Tensor{DType: Int64, I: []int64{0}}
				}
				return nil
			},
			lower: func(pl *planner, n *Node, _ int64) error {
				p, err := poolParams(n)
				if err != nil {
					return err
				}
				if maxPool {
					pl.emit(kernels.MaxPool, n.Out[0], n.In[0], p)
				} else {
					pl.emit(kernels.AveragePool, n.Out[0], n.In[0], p)
				}
				return nil
			},
		}
	}
	register([]string{"MaxPool"}, pool(true))
	register([]string{"AveragePool"}, pool(false))
	register([]string{"GlobalAveragePool", "GlobalMaxPool"}, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			s := n.In[0].Shape
			if len(s) < 3 {
				return fmt.Errorf("input %s: want N×C×…", shapeString(s))
			}
			out := slices.Clone(s)
			for i := 2; i < len(out); i++ {
				out[i] = 1
			}
			setOut(n, 0, Float32, out)
			return needFloat(n)
		},
		lower: func(pl *planner, n *Node, _ int64) error {
			s := n.In[0].Shape
			pl.emit(kernels.GlobalPool, n.Out[0], n.In[0], s[0], s[1], Len(s[2:]), n.Op == "GlobalMaxPool")
			return nil
		},
	})
	register([]string{"BatchNormalization"}, &opDef{
		minIn: 5,
		check: func(a Attrs, _ int64) string {
			if a.int("training_mode", 0) != 0 {
				return "training_mode 1"
			}
			return ""
		},
		infer: func(n *Node, _ int64) error {
			if err := needFloat(n); err != nil {
				return err
			}
			s := n.In[0].Shape
			if len(s) < 2 {
				return fmt.Errorf("input %s: want N×C×…", shapeString(s))
			}
			for i := 1; i < 5; i++ {
				if n.In[i].Len() != s[1] {
					return fmt.Errorf("input %d has %d values for %d channels", i, n.In[i].Len(), s[1])
				}
			}
			for _, o := range n.Out[1:] {
				if o.Name != "" {
					return fmt.Errorf("its training outputs (running mean and variance) are not supported")
				}
			}
			setOut(n, 0, Float32, s)
			return nil
		},
		lower: func(pl *planner, n *Node, _ int64) error {
			scale, bias, err := bnAffine(n)
			if err != nil {
				return err
			}
			s := n.In[0].Shape
			pl.emit(kernels.ChannelAffine, n.Out[0], n.In[0], scale, bias, s[0], s[1], Len(s[2:]))
			return nil
		},
	})
	register([]string{"Gemm"}, &opDef{
		minIn: 2,
		infer: func(n *Node, _ int64) error {
			if err := needFloat(n); err != nil {
				return err
			}
			p, err := gemmParams(n)
			if err != nil {
				return err
			}
			setOut(n, 0, Float32, []int{p.M, p.N})
			return nil
		},
		lower: func(pl *planner, n *Node, _ int64) error {
			p, _ := gemmParams(n)
			if a, ok := n.Attrs["pwagen.act"]; ok {
				p.Act = actFromAttr(a)
			}
			pl.emit(kernels.GemmEx, n.Out[0], n.In[0], n.In[1], optional(n.in(2)), p)
			return nil
		},
	})
	register([]string{"MatMul"}, &opDef{
		minIn: 2,
		infer: func(n *Node, _ int64) error {
			if err := needFloat(n); err != nil {
				return err
			}
			_, out, err := matmulParams(n)
			if err != nil {
				return err
			}
			setOut(n, 0, Float32, out)
			return nil
		},
		lower: func(pl *planner, n *Node, _ int64) error {
			p, _, _ := matmulParams(n)
			pl.emit(kernels.MatMul, n.Out[0], n.In[0], n.In[1], p)
			return nil
		},
	})
	register([]string{"Softmax", "LogSoftmax"}, &opDef{
		minIn: 1,
		infer: func(n *Node, opset int64) error {
			if _, _, _, err := softmaxParams(n, opset); err != nil {
				return err
			}
			setOut(n, 0, Float32, n.In[0].Shape)
			return needFloat(n)
		},
		lower: func(pl *planner, n *Node, opset int64) error {
			o, a, i, _ := softmaxParams(n, opset)
			pl.emit(kernels.SoftmaxAxis, n.Out[0], n.In[0], o, a, i, n.Op == "LogSoftmax")
			return nil
		},
	})
	reduce := map[string]kernels.ReduceOp{
		"ReduceSum": kernels.ReduceSum, "ReduceMean": kernels.ReduceMean, "ReduceMax": kernels.ReduceMax,
		"ReduceMin": kernels.ReduceMin, "ReduceProd": kernels.ReduceProd, "ReduceL1": kernels.ReduceL1,
		"ReduceL2": kernels.ReduceL2, "ReduceSumSquare": kernels.ReduceSumSquare, "ReduceLogSum": kernels.ReduceLogSum,
		"ReduceLogSumExp": kernels.ReduceLogSumExp,
	}
	var rnames []string
	for k := range reduce {
		rnames = append(rnames, k)
	}
	register(rnames, &opDef{
		minIn: 1,
		infer: func(n *Node, opset int64) error {
			axes, out, err := reduceParams(n, opset)
			if err != nil {
				return err
			}
			_ = axes
			setOut(n, 0, Float32, out)
			return needFloat(n)
		},
		lower: func(pl *planner, n *Node, opset int64) error {
			axes, _, _ := reduceParams(n, opset)
			if axes == nil {
				n.Out[0].Alias = n.In[0]
				return nil
			}
			pl.emit(kernels.Reduce, n.Out[0], n.In[0], reduce[n.Op], slices.Clone(n.In[0].Shape), axes)
			return nil
		},
	})
	register([]string{"LayerNormalization"}, &opDef{
		minIn: 2,
		check: func(a Attrs, _ int64) string {
			if a.int("stash_type", 1) != 1 {
				return "stash_type other than float"
			}
			return ""
		},
		infer: func(n *Node, _ int64) error {
			if err := needFloat(n); err != nil {
				return err
			}
			s := n.In[0].Shape
			axis, err := normAxis(int(n.Attrs.int("axis", -1)), len(s))
			if err != nil {
				return err
			}
			cols := Len(s[axis:])
			if n.In[1].Len() != cols || (n.in(2) != nil && n.In[2].Len() != cols) {
				return fmt.Errorf("scale and bias must have %d values (shape %s from axis %d)", cols, shapeString(s), axis)
			}
			setOut(n, 0, Float32, s)
			stat := slices.Clone(s)
			for i := axis; i < len(stat); i++ {
				stat[i] = 1
			}
			for i := 1; i < len(n.Out); i++ {
				setOut(n, i, Float32, stat)
			}
			return nil
		},
		lower: func(pl *planner, n *Node, _ int64) error {
			s := n.In[0].Shape
			axis, _ := normAxis(int(n.Attrs.int("axis", -1)), len(s))
			rows, cols := Len(s[:axis]), Len(s[axis:])
			eps := n.Attrs.float("epsilon", 1e-5)
			pl.emit(kernels.LayerNorm, n.Out[0], n.In[0], n.In[1], optional(n.in(2)), rows, cols, eps)
			if len(n.Out) < 2 || (n.Out[1].Name == "" && (len(n.Out) < 3 || n.Out[2].Name == "")) {
				return nil
			}
			// The optional Mean and InvStdDev outputs, from the input.
			mean := n.Out[1]
			pl.emit(kernels.Reduce, mean, n.In[0], kernels.ReduceMean, []int{rows, cols}, []int{1})
			if len(n.Out) > 2 {
				d := pl.temp(n.Out[0], []int{rows, cols})
				pl.emit(kernels.Binary, d, n.In[0], mean, kernels.BinSub, []int{rows, cols}, []int{rows, cols}, []int{rows, 1})
				pl.emit(kernels.Binary, d, d, d, kernels.BinMul, []int{rows, cols}, []int{rows, cols}, []int{rows, cols})
				inv := n.Out[2]
				pl.emit(kernels.Reduce, inv, d, kernels.ReduceMean, []int{rows, cols}, []int{1})
				pl.emit(kernels.Activate, inv, inv, kernels.Act{Op: kernels.ActScale, Alpha: 1, Beta: eps})
				pl.emit(kernels.Activate, inv, inv, kernels.Act{Op: kernels.ActSqrt})
				pl.emit(kernels.Activate, inv, inv, kernels.Act{Op: kernels.ActReciprocal})
			}
			return nil
		},
	})
}

// optional is v, or an untyped nil for an omitted input (a nil slice).
func optional(v *Value) any {
	if v == nil {
		return nil
	}
	return v
}

// bnAffine folds BatchNormalization's constants into one scale and bias per
// channel: y = x·scale + bias.
func bnAffine(n *Node) (*Value, *Value, error) {
	var c [4]*Tensor
	for i := range c {
		t, err := constIn(n, i+1, [...]string{"scale", "B", "mean", "var"}[i])
		if err != nil {
			return nil, nil, err
		}
		c[i] = t
	}
	eps := float64(n.Attrs.float("epsilon", 1e-5))
	ch := c[0].Len()
	scale := make([]float32, ch)
	bias := make([]float32, ch)
	for i := 0; i < ch; i++ {
		s := float64(c[0].F[i]) / math.Sqrt(float64(c[3].F[i])+eps)
		scale[i] = float32(s)
		bias[i] = float32(float64(c[1].F[i]) - float64(c[2].F[i])*s)
	}
	return constOf(n.Name+".scale", &Tensor{DType: Float32, Shape: []int{ch}, F: scale}),
		constOf(n.Name+".bias", &Tensor{DType: Float32, Shape: []int{ch}, F: bias}), nil
}

func gemmParams(n *Node) (kernels.GemmParams, error) {
	a, b := n.In[0].Shape, n.In[1].Shape
	if len(a) != 2 || len(b) != 2 {
		//lint:ignore ST1005 the message starts with an ONNX name (an operator or an input), spelled as ONNX does
		return kernels.GemmParams{}, fmt.Errorf("A %s and B %s must be matrices", shapeString(a), shapeString(b))
	}
	p := kernels.GemmParams{TransA: n.Attrs.int("transA", 0) == 1, TransB: n.Attrs.int("transB", 0) == 1, Alpha: n.Attrs.float("alpha", 1), Beta: n.Attrs.float("beta", 1)}
	p.M, p.K = a[0], a[1]
	if p.TransA {
		p.M, p.K = a[1], a[0]
	}
	k2 := b[0]
	p.N = b[1]
	if p.TransB {
		k2, p.N = b[1], b[0]
	}
	if k2 != p.K {
		//lint:ignore ST1005 the message starts with an ONNX name (an operator or an input), spelled as ONNX does
		return p, fmt.Errorf("A %s and B %s do not multiply (transA %v, transB %v)", shapeString(a), shapeString(b), p.TransA, p.TransB)
	}
	if c := n.in(2); c != nil {
		cs := padShape(c.Shape, 2)
		if len(c.Shape) > 2 || (cs[0] != 1 && cs[0] != p.M) || (cs[1] != 1 && cs[1] != p.N) {
			//lint:ignore ST1005 the message starts with an ONNX name (an operator or an input), spelled as ONNX does
			return p, fmt.Errorf("C %s does not broadcast to %d×%d", shapeString(c.Shape), p.M, p.N)
		}
		p.CRows, p.CCols = cs[0], cs[1]
	}
	return p, nil
}

func matmulParams(n *Node) (kernels.MatMulParams, []int, error) {
	a, b := n.In[0].Shape, n.In[1].Shape
	if len(a) == 0 || len(b) == 0 {
		return kernels.MatMulParams{}, nil, fmt.Errorf("MatMul of a scalar")
	}
	pa, pb := a, b
	if len(a) == 1 {
		pa = []int{1, a[0]}
	}
	if len(b) == 1 {
		pb = []int{b[0], 1}
	}
	m, k := pa[len(pa)-2], pa[len(pa)-1]
	k2, nn := pb[len(pb)-2], pb[len(pb)-1]
	if k != k2 {
		return kernels.MatMulParams{}, nil, fmt.Errorf("%s and %s do not multiply (%d against %d)", shapeString(a), shapeString(b), k, k2)
	}
	batch, err := broadcast(pa[:len(pa)-2], pb[:len(pb)-2])
	if err != nil {
		return kernels.MatMulParams{}, nil, err
	}
	p := kernels.MatMulParams{M: m, K: k, N: nn}
	if len(batch) > 0 {
		p.Batch = batch
		p.ABatch = padShape(pa[:len(pa)-2], len(batch))
		p.BBatch = padShape(pb[:len(pb)-2], len(batch))
	}
	out := slices.Clone(batch)
	if len(a) > 1 {
		out = append(out, m)
	}
	if len(b) > 1 {
		out = append(out, nn)
	}
	return p, out, nil
}

func softmaxParams(n *Node, opset int64) (outer, axis, inner int, err error) {
	s := n.In[0].Shape
	def := int64(-1)
	if opset < 13 {
		def = 1
	}
	a, err := normAxis(int(n.Attrs.int("axis", def)), len(s))
	if err != nil {
		return 0, 0, 0, err
	}
	if opset < 13 {
		return Len(s[:a]), Len(s[a:]), 1, nil
	}
	return Len(s[:a]), s[a], Len(s[a+1:]), nil
}

// reduceParams returns the sorted axes (nil: nothing is reduced) and the
// output shape.
func reduceParams(n *Node, opset int64) ([]int, []int, error) {
	s := n.In[0].Shape
	since := int64(18)
	if n.Op == "ReduceSum" {
		since = 13
	}
	axes, given, err := axesOf(n, opset, since, len(s))
	if err != nil {
		return nil, nil, err
	}
	if !given || len(axes) == 0 {
		if n.Attrs.int("noop_with_empty_axes", 0) == 1 {
			return nil, slices.Clone(s), nil
		}
		axes = make([]int, len(s))
		for i := range axes {
			axes[i] = i
		}
	}
	keep := n.Attrs.int("keepdims", 1) == 1
	var out []int
	for i, d := range s {
		if slices.Contains(axes, i) {
			if keep {
				out = append(out, 1)
			}
			continue
		}
		out = append(out, d)
	}
	if len(axes) == 0 {
		return nil, out, nil
	}
	return axes, out, nil
}

// actFromAttr reads the activation the fusion pass attached to a node.
func actFromAttr(a Attr) kernels.Act {
	return kernels.Act{Op: kernels.ActOp(a.Ints[0]), Alpha: a.Floats[0], Beta: a.Floats[1]}
}
