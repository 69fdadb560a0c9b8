package importer

import (
	"fmt"
	"slices"
	"strings"
)

// DType is the element type of a tensor in the graph.
type DType uint8

// The element types the graph carries. Float32 is the only one that exists
// at run time in this tier; the others are folded away at import.
const (
	Float32 DType = iota
	Int64
	Bool
)

func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Int64:
		return "int64"
	case Bool:
		return "bool"
	}
	return fmt.Sprintf("dtype(%d)", d)
}

// Tensor is a constant: exactly one of F, I or B holds its elements, by
// DType.
type Tensor struct {
	DType DType
	Shape []int
	F     []float32
	I     []int64
	B     []bool
}

// Len is the number of elements of shape.
func Len(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of elements.
func (t *Tensor) Len() int { return Len(t.Shape) }

// Ints returns t's elements as ints (int64 or float32 tensors).
func (t *Tensor) Ints() []int {
	out := make([]int, t.Len())
	for i := range out {
		switch t.DType {
		case Int64:
			out[i] = int(t.I[i])
		case Float32:
			out[i] = int(t.F[i])
		case Bool:
			if t.B[i] {
				out[i] = 1
			}
		}
	}
	return out
}

// Floats returns t's elements as float32.
func (t *Tensor) Floats() []float32 {
	if t.DType == Float32 {
		return t.F
	}
	out := make([]float32, t.Len())
	for i := range out {
		switch t.DType {
		case Int64:
			out[i] = float32(t.I[i])
		case Bool:
			if t.B[i] {
				out[i] = 1
			}
		}
	}
	return out
}

// Value is a tensor flowing through the graph: a graph input, a constant
// (Const != nil) or a node's output. Its shape is static.
type Value struct {
	Name  string
	DType DType
	Shape []int
	Const *Tensor
	// Alias, when set, means this value shares its storage with another
	// (Reshape, Flatten, Squeeze, Unsqueeze, Identity): no copy is made.
	Alias *Value
	Input bool // a graph input
	// IOType is the ONNX element type of a graph input or output as the
	// caller sees it ("int32"); the graph computes it as DType.
	IOType string
}

func (v *Value) String() string {
	return fmt.Sprintf("%q (%s %s)", v.Name, v.DType, shapeString(v.Shape))
}

// Len is the number of elements.
func (v *Value) Len() int { return Len(v.Shape) }

// root is the value whose storage v uses.
func (v *Value) root() *Value {
	for v.Alias != nil {
		v = v.Alias
	}
	return v
}

func shapeString(s []int) string {
	if len(s) == 0 {
		return "scalar"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "×")
}

// Node is one operator application. A nil input is an omitted optional one.
type Node struct {
	Op    string
	Name  string
	In    []*Value
	Out   []*Value
	Attrs Attrs
}

func (n *Node) String() string {
	if n.Name == "" {
		return n.Op + " node"
	}
	return fmt.Sprintf("%s node %q", n.Op, n.Name)
}

// in returns input i, or nil when it is absent.
func (n *Node) in(i int) *Value {
	if i < len(n.In) {
		return n.In[i]
	}
	return nil
}

// Graph is a model with static shapes, its nodes in execution order.
type Graph struct {
	Name    string
	Opset   int64
	Inputs  []*Value
	Outputs []*Value
	Nodes   []*Node
	// Source is the file the graph came from, for messages and the
	// generated header.
	Source   string
	Metadata map[string]string
}

// AttrKind is the type of an attribute's value.
type AttrKind uint8

// The attribute kinds.
const (
	AttrInt AttrKind = iota + 1
	AttrFloat
	AttrString
	AttrInts
	AttrFloats
	AttrTensor
	AttrStrings
)

// Attr is an attribute's value.
type Attr struct {
	Kind   AttrKind
	Int    int64
	Float  float32
	Str    string
	Ints   []int64
	Floats []float32
	Tensor *Tensor
}

// Attrs are a node's attributes by name.
type Attrs map[string]Attr

func (a Attrs) int(name string, def int64) int64 {
	if v, ok := a[name]; ok && v.Kind == AttrInt {
		return v.Int
	}
	return def
}

func (a Attrs) float(name string, def float32) float32 {
	if v, ok := a[name]; ok {
		switch v.Kind {
		case AttrFloat:
			return v.Float
		case AttrInt:
			return float32(v.Int)
		}
	}
	return def
}

func (a Attrs) str(name, def string) string {
	if v, ok := a[name]; ok && v.Kind == AttrString {
		return v.Str
	}
	return def
}

func (a Attrs) ints(name string) ([]int, bool) {
	v, ok := a[name]
	if !ok || v.Kind != AttrInts {
		return nil, false
	}
	out := make([]int, len(v.Ints))
	for i, x := range v.Ints {
		out[i] = int(x)
	}
	return out, true
}

func (a Attrs) has(name string) bool { _, ok := a[name]; return ok }

// uses counts, for every value, the nodes (and graph outputs) reading it.
func (g *Graph) uses() map[*Value]int {
	u := map[*Value]int{}
	for _, n := range g.Nodes {
		for _, v := range n.In {
			if v != nil {
				u[v]++
			}
		}
	}
	for _, v := range g.Outputs {
		u[v]++
	}
	return u
}

// producers maps every node output to its node.
func (g *Graph) producers() map[*Value]*Node {
	p := map[*Value]*Node{}
	for _, n := range g.Nodes {
		for _, v := range n.Out {
			if v != nil {
				p[v] = n
			}
		}
	}
	return p
}

// isOutput tells whether v is a graph output.
func (g *Graph) isOutput(v *Value) bool { return slices.Contains(g.Outputs, v) }

// OpCounts counts the graph's nodes by operator, for reports.
func (g *Graph) OpCounts() map[string]int {
	c := map[string]int{}
	for _, n := range g.Nodes {
		c[n.Op]++
	}
	return c
}
