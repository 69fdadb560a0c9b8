package importer

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pwagen/pwagen/onnx"
	"github.com/pwagen/pwagen/onnx/onnxpb"
)

// partModel is y = Relu(x + b) with the nodes named as given.
func partModel(t *testing.T, addName, reluName string) *onnx.Model {
	t.Helper()
	vi := func(name string) *onnxpb.ValueInfoProto {
		shape := &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{
			{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 1}},
			{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 2}}}}
		return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Shape: shape}}}}
	}
	m := &onnxpb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(13)}},
		Graph: &onnxpb.GraphProto{
			Name:   proto.String("g"),
			Input:  []*onnxpb.ValueInfoProto{vi("x")},
			Output: []*onnxpb.ValueInfoProto{vi("y")},
			Initializer: []*onnxpb.TensorProto{{Name: proto.String("b"), DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
				Dims: []int64{2}, FloatData: []float32{1, 2}}},
			Node: []*onnxpb.NodeProto{
				{Name: proto.String(addName), OpType: proto.String("Add"), Input: []string{"x", "b"}, Output: []string{"s"}},
				{Name: proto.String(reluName), OpType: proto.String("Relu"), Input: []string{"s"}, Output: []string{"y"}},
			},
		},
	}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	om, err := onnx.Decode(b, "", onnx.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return om
}

// TestGeneratePartsImports: each graph file of a pipeline imports package
// math exactly when its code uses it, whatever its node names say in the
// comments (TensorFlow exports name nodes "model/tf.math.maximum/Maximum",
// and openWakeWord's embedding model did not compile: "math" imported and
// not used).
func TestGeneratePartsImports(t *testing.T) {
	for _, names := range [][2]string{{"add", "relu"}, {"model/tf.math.add/Add", "model/tf.math.relu"}} {
		var parts []Part
		for _, prefix := range []string{"a", "b"} {
			g, err := Build(partModel(t, names[0], names[1]), Options{Source: prefix + ".onnx"})
			if err != nil {
				t.Fatal(err)
			}
			Optimize(g)
			pl, err := Lower(g)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, Part{Prefix: prefix, Plan: pl})
		}
		out, err := GenerateParts(parts, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"graph_a.go", "graph_b.go"} {
			f, err := parser.ParseFile(token.NewFileSet(), name, out.Files[name], 0)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			imported := false
			for _, im := range f.Imports {
				if p, _ := strconv.Unquote(im.Path.Value); p == "math" {
					imported = true
				}
			}
			used := false
			ast.Inspect(f, func(n ast.Node) bool {
				if s, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := s.X.(*ast.Ident); ok && id.Name == "math" {
						used = true
					}
				}
				return true
			})
			if imported != used {
				t.Errorf("nodes %q: %s imports math: %v, uses it: %v", names, name, imported, used)
			}
		}
	}
}
