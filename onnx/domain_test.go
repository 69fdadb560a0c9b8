package onnx

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pwagen/pwagen/onnx/onnxpb"
)

// TestCustomDomainsReported decodes nodes of non-standard domains and lists them.
func TestCustomDomainsReported(t *testing.T) {
	m := validModel()
	m.OpsetImport = append(m.OpsetImport,
		&onnxpb.OperatorSetIdProto{Domain: proto.String("com.microsoft"), Version: proto.Int64(1)},
		&onnxpb.OperatorSetIdProto{Domain: proto.String("ai.onnx.ml"), Version: proto.Int64(3)})
	m.Graph.Node[0].Domain = proto.String("ai.onnx")
	m.Graph.Node[1].Domain = proto.String("com.microsoft")
	m.Graph.Node[1].OpType = proto.String("FusedGelu")
	got, err := Decode(marshal(t, m), "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if d := got.CustomDomains(); !reflect.DeepEqual(d, []string{"ai.onnx.ml", "com.microsoft"}) {
		t.Fatalf("CustomDomains = %v", d)
	}
	if got.Graph.Nodes[0].Domain != "" || got.Graph.Nodes[1].Domain != "com.microsoft" {
		t.Fatalf("node domains %q %q", got.Graph.Nodes[0].Domain, got.Graph.Nodes[1].Domain)
	}
}

// TestOutOfOrderNodesKept accepts an acyclic graph whose nodes are not in
// topological order and keeps the file's order: sorting is the importer's.
func TestOutOfOrderNodesKept(t *testing.T) {
	m := validModel()
	m.Graph.Node[0], m.Graph.Node[1] = m.Graph.Node[1], m.Graph.Node[0]
	got, err := Decode(marshal(t, m), "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got.Graph.Nodes[0].OpType != "Relu" {
		t.Fatalf("nodes reordered: %v first", got.Graph.Nodes[0].OpType)
	}
}

// TestSubgraphSeesOuterScope accepts a subgraph that reads an outer value.
func TestSubgraphSeesOuterScope(t *testing.T) {
	m := validModel()
	sub := &onnxpb.GraphProto{Name: proto.String("body"), Output: []*onnxpb.ValueInfoProto{vi("t")},
		Node: []*onnxpb.NodeProto{node("inner", "Identity", []string{"b"}, []string{"t"})}}
	m.Graph.Node[1].Attribute = []*onnxpb.AttributeProto{{Name: proto.String("then_branch"), Type: onnxpb.AttributeProto_GRAPH.Enum(), G: sub}}
	got, err := Decode(marshal(t, m), "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if g := got.Graph.Nodes[1].Attrs["then_branch"].G; g == nil || g.Nodes[0].Inputs[0] != "b" {
		t.Fatalf("subgraph %+v", g)
	}
}
