package importer

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/pwagen/pwagen/internal/size"
	"github.com/pwagen/pwagen/onnx"
)

// Opset range pwagen compiles (the default ai.onnx domain).
const (
	MinOpset = 7
	MaxOpset = 21
)

// Options are what a user adds to the model file.
type Options struct {
	// Shapes fixes inputs' symbolic dimensions: --shape NAME=1x3x224x224.
	Shapes map[string][]int
	// Source names the model file in messages and generated code.
	Source string
}

// Build reads an ONNX model into a graph with static shapes, inferring every
// value's shape and folding constants. It checks every operator first, so an
// unsupported model fails before any other work, with all its problems.
func Build(m *onnx.Model, o Options) (*Graph, error) {
	src := o.Source
	if src == "" {
		src = "model.onnx"
	}
	if m.Graph == nil {
		return nil, fmt.Errorf("%s: the model has no graph", src)
	}
	opset, err := defaultOpset(m, src)
	if err != nil {
		return nil, err
	}
	if err := checkSupported(m.Graph, opset, src); err != nil {
		return nil, err
	}
	if err := checkShapeNames(m.Graph, o.Shapes); err != nil {
		return nil, err
	}
	b := &builder{g: &Graph{Name: m.Graph.Name, Opset: opset, Source: src, Metadata: m.Metadata}, values: map[string]*Value{}, o: o}
	if err := b.inputs(m.Graph); err != nil {
		return nil, err
	}
	order, err := topoOrder(m.Graph)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	for _, i := range order {
		if err := b.node(&m.Graph.Nodes[i], i); err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
	}
	for _, vi := range m.Graph.Outputs {
		v, ok := b.values[vi.Name]
		if !ok {
			return nil, fmt.Errorf("%s: graph output %q is produced by no node", src, vi.Name)
		}
		if v.IOType == "" && !v.Input {
			v.IOType = v.DType.String()
		}
		b.g.Outputs = append(b.g.Outputs, v)
	}
	if len(b.g.Outputs) == 0 {
		return nil, fmt.Errorf("%s: the graph has no outputs", src)
	}
	return b.g, nil
}

// checkShapeNames refuses a --shape for an input the model does not have.
func checkShapeNames(g *onnx.Graph, shapes map[string][]int) error {
	inits := map[string]bool{}
	for _, t := range g.Initializers {
		inits[t.Name] = true
	}
	var names []string
	for _, vi := range g.Inputs {
		if !inits[vi.Name] {
			names = append(names, vi.Name)
		}
	}
	var given []string
	for name := range shapes {
		given = append(given, name)
	}
	sort.Strings(given)
	for _, name := range given {
		if !slices.Contains(names, name) {
			return &UsageError{fmt.Sprintf("--shape %s: the model has no input %q; its inputs are %s", name, name, strings.Join(names, ", "))}
		}
	}
	return nil
}

// UsageError is a mistake in what the user asked (exit 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func defaultOpset(m *onnx.Model, src string) (int64, error) {
	var opset int64 = -1
	for domain, v := range m.Opsets {
		switch domain {
		case "", "ai.onnx":
			opset = v
		}
	}
	if opset < 0 {
		return 0, fmt.Errorf("%s: the model imports no ai.onnx opset", src)
	}
	if opset < MinOpset || opset > MaxOpset {
		return 0, &UnsupportedError{Source: src, Ops: []Unsupported{{Op: "opset", Reason: fmt.Sprintf("opset %d; pwagen compiles opsets %d to %d: re-export with opset_version=17", opset, MinOpset, MaxOpset), Nodes: []string{"(model)"}}}}
	}
	return opset, nil
}

// checkSupported lists every node whose operator, domain or attribute values
// pwagen cannot compile.
func checkSupported(g *onnx.Graph, opset int64, src string) error {
	u := unsupported{}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		name := nodeName(n, i)
		if n.Domain != "" && n.Domain != "ai.onnx" {
			u.add(n.Domain+"."+n.OpType, "operator of domain "+n.Domain, name)
			continue
		}
		def, ok := ops[n.OpType]
		if !ok {
			u.add(n.OpType, "", name)
			continue
		}
		if def.check != nil {
			if reason := def.check(convertAttrs(n.Attrs), opset); reason != "" {
				u.add(n.OpType, reason, name)
			}
		}
	}
	return u.err(src)
}

func nodeName(n *onnx.Node, i int) string {
	if n.Name != "" {
		return n.Name
	}
	return fmt.Sprintf("#%d", i)
}

// topoOrder orders the nodes so that each comes after the producers of its
// inputs, keeping the file's order where it already is one.
func topoOrder(g *onnx.Graph) ([]int, error) {
	producer := map[string]int{}
	for i, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o != "" {
				producer[o] = i
			}
		}
	}
	state := make([]uint8, len(g.Nodes)) // 0 new, 1 visiting, 2 done
	var order []int
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("node %s is part of a cycle; an ONNX graph must be acyclic", nodeName(&g.Nodes[i], i))
		case 2:
			return nil
		}
		state[i] = 1
		for _, in := range g.Nodes[i].Inputs {
			if p, ok := producer[in]; ok && in != "" {
				if err := visit(p); err != nil {
					return err
				}
			}
		}
		state[i] = 2
		order = append(order, i)
		return nil
	}
	for i := range g.Nodes {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return order, nil
}

type builder struct {
	g      *Graph
	values map[string]*Value
	o      Options
}

func (b *builder) inputs(g *onnx.Graph) error {
	inits := map[string]bool{}
	for _, t := range g.Initializers {
		v, err := constValue(t.Name, t)
		if err != nil {
			return fmt.Errorf("%s: initializer %q: %w", b.g.Source, t.Name, err)
		}
		b.values[t.Name] = v
		inits[t.Name] = true
	}
	for _, vi := range g.Inputs {
		if inits[vi.Name] {
			continue // an initializer listed as an input (IR < 4): a constant
		}
		shape, err := b.inputShape(vi)
		if err != nil {
			return err
		}
		dt, io, ok := inputType(vi.DType)
		if !ok {
			return &UsageError{fmt.Sprintf("%s: input %q is %s; pwagen takes float32, int64, int32, uint8 and bool inputs", b.g.Source, vi.Name, vi.DType)}
		}
		v := &Value{Name: vi.Name, DType: dt, Shape: shape, Input: true, IOType: io}
		b.values[vi.Name] = v
		b.g.Inputs = append(b.g.Inputs, v)
	}
	return nil
}

// inputShape resolves an input's declared shape with the --shape flags.
func (b *builder) inputShape(vi onnx.ValueInfo) ([]int, error) {
	declared := make([]string, len(vi.Shape))
	for i, d := range vi.Shape {
		switch {
		case d.Param != "":
			declared[i] = d.Param
		case d.Value < 0:
			declared[i] = "?"
		default:
			declared[i] = fmt.Sprint(d.Value)
		}
	}
	decl := strings.Join(declared, "×")
	if !vi.HasShape {
		decl = "(undeclared)"
	}
	if s, ok := b.o.Shapes[vi.Name]; ok {
		if vi.HasShape && len(s) != len(vi.Shape) {
			return nil, &UsageError{fmt.Sprintf("--shape %s: %d dimensions given, but input %q has %d (%s)", vi.Name, len(s), vi.Name, len(vi.Shape), decl)}
		}
		for i, d := range vi.Shape {
			if d.Param == "" && d.Value >= 0 && int64(s[i]) != d.Value {
				return nil, &UsageError{fmt.Sprintf("--shape %s: dimension %d is %d, but the model fixes it at %d (%s)", vi.Name, i, s[i], d.Value, decl)}
			}
		}
		return slices.Clone(s), nil
	}
	if !vi.HasShape {
		return nil, &ShapeNeededError{Input: vi.Name, Declared: decl, Example: "--shape " + vi.Name + "=1x..."}
	}
	shape := make([]int, len(vi.Shape))
	for i, d := range vi.Shape {
		if d.Param == "" && d.Value > 0 {
			shape[i] = int(d.Value)
			continue
		}
		if i == 0 {
			shape[i] = 1 // a leading batch dimension
			continue
		}
		ex := make([]string, len(vi.Shape))
		for j, d := range vi.Shape {
			switch {
			case d.Param == "" && d.Value > 0:
				ex[j] = fmt.Sprint(d.Value)
			case j == 0:
				ex[j] = "1"
			default:
				ex[j] = "N"
			}
		}
		return nil, &ShapeNeededError{Input: vi.Name, Declared: decl, Example: "--shape " + vi.Name + "=" + strings.Join(ex, "x")}
	}
	return shape, nil
}

// node adds one ONNX node: resolves its inputs, infers its outputs and folds
// it when every input is a constant.
func (b *builder) node(on *onnx.Node, i int) error {
	n := &Node{Op: on.OpType, Name: nodeName(on, i), Attrs: convertAttrs(on.Attrs)}
	for _, name := range on.Inputs {
		if name == "" {
			n.In = append(n.In, nil)
			continue
		}
		v, ok := b.values[name]
		if !ok {
			return fmt.Errorf("%s: input %q is no graph input, initializer or node output", n, name)
		}
		n.In = append(n.In, v)
	}
	def := ops[n.Op]
	if len(n.In) < def.minIn {
		return nodeErr(n, "has %d inputs, want at least %d", len(n.In), def.minIn)
	}
	for k := 0; k < def.minIn; k++ {
		if n.In[k] == nil {
			return nodeErr(n, "input %d is required but omitted", k)
		}
	}
	for _, name := range on.Outputs {
		n.Out = append(n.Out, &Value{Name: name})
	}
	if len(n.Out) == 0 {
		return nodeErr(n, "has no outputs")
	}
	if err := def.infer(n, b.g.Opset); err != nil {
		return nodeErr(n, "%v", err)
	}
	for _, v := range n.Out {
		for _, d := range v.Shape {
			if d < 0 {
				return nodeErr(n, "output %q has a negative dimension %v", v.Name, v.Shape)
			}
		}
		if Len(v.Shape) > maxElements {
			return nodeErr(n, "output %q has %d elements (%s); pwagen's limit is %d (4 GiB of float32)", v.Name, Len(v.Shape), shapeString(v.Shape), maxElements)
		}
	}
	if err := foldNodeOpset(n, b.g.Opset); err != nil {
		return nodeErr(n, "%v", err)
	}
	b.g.Nodes = append(b.g.Nodes, n)
	for _, v := range n.Out {
		if v.Name != "" {
			b.values[v.Name] = v
		}
	}
	return nil
}

// maxElements bounds any tensor: 4 GiB of float32, wasm32's whole memory.
const maxElements = size.Wasm32Memory / 4

func convertAttrs(in map[string]onnx.Attr) Attrs {
	a := Attrs{}
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := in[k]
		switch v.Type {
		case onnx.AttrInt:
			a[k] = Attr{Kind: AttrInt, Int: v.I}
		case onnx.AttrFloat:
			a[k] = Attr{Kind: AttrFloat, Float: v.F}
		case onnx.AttrString:
			a[k] = Attr{Kind: AttrString, Str: string(v.S)}
		case onnx.AttrInts:
			a[k] = Attr{Kind: AttrInts, Ints: v.Is}
		case onnx.AttrFloats:
			a[k] = Attr{Kind: AttrFloats, Floats: v.Fs}
		case onnx.AttrTensor:
			if t, err := tensorFromONNX(v.T); err == nil {
				a[k] = Attr{Kind: AttrTensor, Tensor: t}
			}
		case onnx.AttrStrings:
			a[k] = Attr{Kind: AttrStrings}
		}
	}
	return a
}

// inputType maps an input's ONNX type to what the graph computes and the
// caller's element type.
func inputType(d onnx.DType) (DType, string, bool) {
	switch d {
	case onnx.Float32:
		return Float32, "float32", true
	case onnx.Int64:
		return Int64, "int64", true
	case onnx.Int32:
		return Int64, "int32", true
	case onnx.Uint8:
		return Int64, "uint8", true
	case onnx.Bool:
		return Bool, "bool", true
	}
	return 0, "", false
}

// tensorFromONNX converts a reader's tensor: floats of any width become
// float32, integers int64.
func tensorFromONNX(t *onnx.Tensor) (*Tensor, error) {
	if t == nil {
		return nil, fmt.Errorf("no tensor")
	}
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		if d < 0 || d > maxElements {
			return nil, fmt.Errorf("dimension %d is %d", i, d)
		}
		shape[i] = int(d)
	}
	if Len(shape) > maxElements {
		return nil, fmt.Errorf("%d elements; the limit is %d", Len(shape), maxElements)
	}
	out := &Tensor{Shape: shape}
	switch {
	case t.DType == onnx.Bool:
		out.DType = Bool
		out.B = t.Bool
	case t.F32 != nil || t.DType == onnx.Float32 || t.DType == onnx.Float16 || t.DType == onnx.BFloat16:
		out.DType = Float32
		out.F = t.F32
	case t.F64 != nil || t.DType == onnx.Float64:
		out.DType = Float32
		out.F = make([]float32, len(t.F64))
		for i, x := range t.F64 {
			out.F[i] = float32(x)
		}
	default:
		out.DType = Int64
		out.I = t.I64
	}
	n := Len(shape)
	if l := len(out.F) + len(out.I) + len(out.B); l != n {
		return nil, fmt.Errorf("holds %d values for shape %s (%d)", l, shapeString(shape), n)
	}
	if out.DType == Float32 && out.F == nil {
		out.F = []float32{}
	}
	return out, nil
}

func constValue(name string, t *onnx.Tensor) (*Value, error) {
	c, err := tensorFromONNX(t)
	if err != nil {
		return nil, err
	}
	return &Value{Name: name, DType: c.DType, Shape: c.Shape, Const: c}, nil
}

// constOf makes a constant value.
func constOf(name string, t *Tensor) *Value {
	return &Value{Name: name, DType: t.DType, Shape: t.Shape, Const: t}
}

var _ = math.MaxInt
