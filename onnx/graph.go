package onnx

import (
	"fmt"
	"sort"

	"github.com/pwagen/pwagen/onnx/onnxpb"
)

// maxDepth bounds the nesting of subgraphs (If, Loop, Scan bodies).
const maxDepth = 32

func (d *decoder) model(p *onnxpb.ModelProto) (*Model, error) {
	if v := p.GetIrVersion(); v < minIRVersion || v > maxIRVersion {
		return nil, fmt.Errorf("IR version %d: pwagen reads IR versions %d to %d (ONNX 1.1 to 1.18); re-export with a supported opset, for example torch.onnx.export(..., opset_version=17)",
			v, minIRVersion, maxIRVersion)
	}
	m := &Model{
		IRVersion: p.GetIrVersion(), Opsets: map[string]int64{},
		Producer: p.GetProducerName(), ProducerVersion: p.GetProducerVersion(),
		Metadata: map[string]string{}, DocString: p.GetDocString(),
	}
	for _, o := range p.GetOpsetImport() {
		dom := domain(o.GetDomain())
		if _, dup := m.Opsets[dom]; dup {
			return nil, fmt.Errorf("opset_import lists domain %q twice; the file is corrupt", o.GetDomain())
		}
		m.Opsets[dom] = o.GetVersion()
	}
	for _, kv := range p.GetMetadataProps() {
		m.Metadata[kv.GetKey()] = kv.GetValue()
	}
	g, err := d.graph(p.GetGraph(), nil, m.Opsets)
	if err != nil {
		return nil, err
	}
	m.Graph = g
	return m, nil
}

// CustomDomains lists the imported operator domains other than ai.onnx, sorted,
// as "com.microsoft"; nodes of these domains are not standard ONNX operators.
func (m *Model) CustomDomains() []string {
	var out []string
	for d := range m.Opsets {
		if d != "" {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

func domain(s string) string {
	if s == "ai.onnx" {
		return ""
	}
	return s
}

// graph converts and checks one graph; outer holds the names of enclosing graphs' values.
// scope is the names a graph defines, chained to its enclosing graphs'.
type scope struct {
	names map[string]bool
	outer *scope
}

func (s *scope) has(name string) bool {
	for ; s != nil; s = s.outer {
		if s.names[name] {
			return true
		}
	}
	return false
}

func (d *decoder) graph(p *onnxpb.GraphProto, outer *scope, opsets map[string]int64) (*Graph, error) {
	if d.depth++; d.depth > maxDepth {
		return nil, fmt.Errorf("subgraphs nest more than %d deep", maxDepth)
	}
	defer func() { d.depth-- }()
	where := "graph"
	if p.GetName() != "" {
		where = fmt.Sprintf("graph %q", p.GetName())
	}
	g := &Graph{Name: p.GetName()}
	var err error
	if g.Inputs, err = d.values(p.GetInput(), where+" input"); err != nil {
		return nil, err
	}
	if g.Outputs, err = d.values(p.GetOutput(), where+" output"); err != nil {
		return nil, err
	}
	if g.ValueInfo, err = d.values(p.GetValueInfo(), where+" value_info"); err != nil {
		return nil, err
	}
	for i, t := range p.GetInitializer() {
		what := fmt.Sprintf("%s: initializer %d %q", where, i, t.GetName())
		if t.GetName() == "" {
			return nil, fmt.Errorf("%s has no name; the file is corrupt", what)
		}
		x, err := d.tensor(t, what)
		if err != nil {
			return nil, err
		}
		g.Initializers = append(g.Initializers, x)
	}
	if len(p.GetSparseInitializer()) > 0 {
		return nil, fmt.Errorf("%s has %d sparse initializers, which pwagen does not read; save the model with dense weights", where, len(p.GetSparseInitializer()))
	}
	if d.nodes += len(p.GetNode()); d.nodes > d.lim.MaxNodes {
		return nil, &LimitError{What: "the model's node count", Field: "MaxNodes", Size: int64(d.nodes), Limit: int64(d.lim.MaxNodes), Unit: "nodes"}
	}
	defined, err := definitions(g, p, where)
	if err != nil {
		return nil, err
	}
	scope := &scope{names: defined, outer: outer}
	for i, n := range p.GetNode() {
		node, err := d.node(n, i, where, scope, opsets)
		if err != nil {
			return nil, err
		}
		g.Nodes = append(g.Nodes, node)
	}
	for _, o := range g.Outputs {
		if !scope.has(o.Name) {
			return nil, fmt.Errorf("%s: output %q is not produced by any node, input or initializer; the file is corrupt", where, o.Name)
		}
	}
	if err := checkCycles(g, where); err != nil {
		return nil, err
	}
	return g, nil
}

// definitions maps each name the graph defines (input, initializer, node
// output) to its definer, refusing a name defined twice.
func definitions(g *Graph, p *onnxpb.GraphProto, where string) (map[string]bool, error) {
	def := map[string]string{}
	inputs := map[string]bool{}
	for _, v := range g.Inputs {
		if v.Name == "" {
			return nil, fmt.Errorf("%s has an input with no name; the file is corrupt", where)
		}
		if inputs[v.Name] {
			return nil, fmt.Errorf("%s lists input %q twice; the file is corrupt", where, v.Name)
		}
		inputs[v.Name] = true
		def[v.Name] = "graph input"
	}
	for _, t := range g.Initializers {
		if def[t.Name] == "initializer" {
			return nil, fmt.Errorf("%s has two initializers named %q; the file is corrupt", where, t.Name)
		}
		def[t.Name] = "initializer" // may also be a graph input: a default value
	}
	for i, n := range p.GetNode() {
		for _, o := range n.GetOutput() {
			if o == "" {
				continue
			}
			if prev, dup := def[o]; dup {
				return nil, fmt.Errorf("%s: node %d %q (%s) defines %q, which %s already defines; every value must have one producer",
					where, i, n.GetName(), n.GetOpType(), o, prev)
			}
			def[o] = fmt.Sprintf("node %d %q", i, n.GetName())
		}
	}
	out := make(map[string]bool, len(def))
	for k := range def {
		out[k] = true
	}
	return out, nil
}

func (d *decoder) node(n *onnxpb.NodeProto, i int, where string, scope *scope, opsets map[string]int64) (Node, error) {
	what := fmt.Sprintf("%s: node %d %q (%s)", where, i, n.GetName(), n.GetOpType())
	if n.GetOpType() == "" {
		return Node{}, fmt.Errorf("%s has no op_type; the file is corrupt", what)
	}
	dom := domain(n.GetDomain())
	if _, ok := opsets[dom]; !ok {
		name := dom
		if name == "" {
			name = "ai.onnx"
		}
		return Node{}, fmt.Errorf("%s: its domain %q is not in the model's opset_import; the exporter wrote an invalid model", what, name)
	}
	node := Node{Name: n.GetName(), OpType: n.GetOpType(), Domain: dom,
		Inputs: n.GetInput(), Outputs: n.GetOutput(), Attrs: map[string]Attr{}}
	for _, in := range node.Inputs {
		if in != "" && !scope.has(in) {
			return Node{}, fmt.Errorf("%s: input %q names no graph input, initializer or node output; the model is incomplete (was an initializer dropped?)", what, in)
		}
	}
	for _, a := range n.GetAttribute() {
		if _, dup := node.Attrs[a.GetName()]; dup {
			return Node{}, fmt.Errorf("%s has attribute %q twice; the file is corrupt", what, a.GetName())
		}
		at, err := d.attr(a, what, scope, opsets)
		if err != nil {
			return Node{}, err
		}
		node.Attrs[a.GetName()] = at
	}
	return node, nil
}

// checkCycles refuses a graph whose nodes depend on each other in a loop
// (Kahn's algorithm; the nodes keep the file's order).
func checkCycles(g *Graph, where string) error {
	producer := map[string]int{}
	for i, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o != "" {
				producer[o] = i
			}
		}
	}
	indeg := make([]int, len(g.Nodes))
	users := make([][]int, len(g.Nodes))
	for i, n := range g.Nodes {
		for _, in := range n.Inputs {
			if p, ok := producer[in]; ok {
				indeg[i]++
				users[p] = append(users[p], i)
			}
		}
	}
	var ready []int
	for i, v := range indeg {
		if v == 0 {
			ready = append(ready, i)
		}
	}
	done := 0
	for len(ready) > 0 {
		i := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		done++
		for _, u := range users[i] {
			if indeg[u]--; indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if done == len(g.Nodes) {
		return nil
	}
	var names []string
	for i, v := range indeg {
		if v > 0 && len(names) < 8 {
			names = append(names, fmt.Sprintf("%d %q", i, g.Nodes[i].Name))
		}
	}
	return fmt.Errorf("%s has a cycle: %d nodes are in a cycle or depend on one, among them nodes %v; the file is corrupt", where, len(g.Nodes)-done, names)
}
