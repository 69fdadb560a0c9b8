package onnx

// Model is a decoded ONNX model.
type Model struct {
	IRVersion       int64
	Opsets          map[string]int64 // domain to version; "" is ai.onnx
	Producer        string
	ProducerVersion string
	Metadata        map[string]string
	DocString       string
	Graph           *Graph
}

// Graph is a computation graph: the model's main graph or an attribute's subgraph.
// Nodes are in the file's order, which ONNX requires to be topological but
// this package does not enforce; it only rejects cycles.
type Graph struct {
	Name         string
	Nodes        []Node
	Inputs       []ValueInfo
	Outputs      []ValueInfo
	ValueInfo    []ValueInfo
	Initializers []*Tensor
}

// Node is one operator application.
type Node struct {
	Name    string
	OpType  string
	Domain  string   // "" for ai.onnx (also when the file says "ai.onnx")
	Inputs  []string // "" is an omitted optional input
	Outputs []string // "" is an omitted optional output
	Attrs   map[string]Attr
}

// Dim is one dimension of a declared shape.
type Dim struct {
	Value int64  // the size when known; -1 when unknown or symbolic
	Param string // the symbolic name, as "batch"; "" when none
}

// ValueKind is the kind of value a ValueInfo declares.
type ValueKind uint8

// The kinds of value ONNX declares. Only tensors carry DType and Shape.
const (
	KindTensor ValueKind = iota
	KindSequence
	KindMap
	KindOptional
	KindSparseTensor
	KindUnknown // no type given
)

var kindNames = [...]string{"tensor", "sequence", "map", "optional", "sparse tensor", "untyped"}

func (k ValueKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown kind"
}

// ValueInfo declares the type and shape of a named value.
type ValueInfo struct {
	Name     string
	Kind     ValueKind
	DType    DType // Undefined when the file gives none
	Shape    []Dim
	HasShape bool // false: the rank itself is unknown
}

// AttrType is the type of an attribute's value.
type AttrType uint8

// Attribute types. Sparse tensors and type protos are read as their type alone.
const (
	AttrUndefined AttrType = iota
	AttrFloat
	AttrInt
	AttrString
	AttrTensor
	AttrGraph
	AttrFloats
	AttrInts
	AttrStrings
	AttrTensors
	AttrGraphs
	AttrSparseTensor
	AttrSparseTensors
	AttrTypeProto
	AttrTypeProtos
)

var attrTypeNames = [...]string{"undefined", "float", "int", "string", "tensor", "graph", "floats", "ints", "strings",
	"tensors", "graphs", "sparse_tensor", "sparse_tensors", "type_proto", "type_protos"}

func (t AttrType) String() string {
	if int(t) < len(attrTypeNames) {
		return attrTypeNames[t]
	}
	return "unknown"
}

// Attr is a node attribute. Only the field of its Type is set.
type Attr struct {
	Name string
	Type AttrType
	F    float32
	I    int64
	S    []byte
	T    *Tensor
	G    *Graph
	Fs   []float32
	Is   []int64
	Ss   [][]byte
	Ts   []*Tensor
	Gs   []*Graph
}

// FreeInputs are the graph inputs the caller must feed: those no initializer
// gives a value (before IR version 4 every initializer is also listed as an input).
func (g *Graph) FreeInputs() []ValueInfo {
	init := map[string]bool{}
	for _, t := range g.Initializers {
		init[t.Name] = true
	}
	var out []ValueInfo
	for _, v := range g.Inputs {
		if !init[v.Name] {
			out = append(out, v)
		}
	}
	return out
}

// Initializer finds an initializer by name, or returns nil.
func (g *Graph) Initializer(name string) *Tensor {
	for _, t := range g.Initializers {
		if t.Name == name {
			return t
		}
	}
	return nil
}
