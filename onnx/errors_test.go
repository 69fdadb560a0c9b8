package onnx

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pwagen/pwagen/onnx/onnxpb"
)

// Builders for hand-made models.

func f32Tensor(name string, dims []int64, vals ...float32) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Dims: dims, FloatData: vals}
}

func vi(name string, dims ...int64) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
	}
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Shape: shape}}}}
}

func node(name, op string, in, out []string) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{Name: proto.String(name), OpType: proto.String(op), Input: in, Output: out}
}

// validModel is y = Relu(x + b): a graph input, an initializer, two nodes.
func validModel() *onnxpb.ModelProto {
	return &onnxpb.ModelProto{
		IrVersion:    proto.Int64(8),
		ProducerName: proto.String("test"),
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(13)}},
		Graph: &onnxpb.GraphProto{
			Name:        proto.String("g"),
			Input:       []*onnxpb.ValueInfoProto{vi("x", 1, 2)},
			Output:      []*onnxpb.ValueInfoProto{vi("y", 1, 2)},
			Initializer: []*onnxpb.TensorProto{f32Tensor("b", []int64{2}, 1, 2)},
			Node: []*onnxpb.NodeProto{
				node("add", "Add", []string{"x", "b"}, []string{"s"}),
				node("relu", "Relu", []string{"s"}, []string{"y"}),
			},
		},
	}
}

func marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeValidModel(t *testing.T) {
	m, err := Decode(marshal(t, validModel()), "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	g := m.Graph
	if m.IRVersion != 8 || m.Opsets[""] != 13 || len(g.Nodes) != 2 || g.Nodes[0].OpType != "Add" ||
		g.Initializers[0].Name != "b" || g.Initializers[0].F32[1] != 2 || g.Inputs[0].Shape[1].Value != 2 {
		t.Fatalf("decoded wrongly: %+v %+v", m, g)
	}
}

// TestDecodeErrors gives each hostile or broken model and a fragment its error must contain.
func TestDecodeErrors(t *testing.T) {
	small := DefaultLimits()
	small.MaxTensorBytes = 1024
	small.MaxTotalBytes = 1500
	small.MaxNodes = 3
	small.MaxRank = 4
	for _, tt := range []struct {
		name string
		edit func(m *onnxpb.ModelProto)
		lim  *Limits
		want string
	}{
		{"missing initializer", func(m *onnxpb.ModelProto) { m.Graph.Initializer = nil },
			nil, `node 0 "add" (Add): input "b" names no graph input, initializer or node output`},
		{"initializer without data", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].FloatData = nil },
			nil, `initializer 0 "b" has no data (2 elements of float32`},
		{"too few values", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].FloatData = []float32{1} },
			nil, `float_data holds 1 values, but dims [2] need 2`},
		{"raw_data too short", func(m *onnxpb.ModelProto) {
			m.Graph.Initializer[0].FloatData = nil
			m.Graph.Initializer[0].RawData = make([]byte, 7)
		}, nil, `raw_data holds 7 bytes, but [2] float32 needs 8`},
		{"raw and typed", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].RawData = make([]byte, 8) },
			nil, `both raw_data and float_data`},
		{"negative dim", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].Dims = []int64{-2} },
			nil, `negative dimension -2 at index 0`},
		{"huge declared size", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].Dims = []int64{1 << 20, 1 << 20} },
			nil, `needs 4398046511104 bytes (4 TiB), over the MaxTensorBytes limit of 2147483648 bytes (2 GiB) by`},
		{"overflowing dims", func(m *onnxpb.ModelProto) {
			m.Graph.Initializer[0].Dims = []int64{1 << 40, 1 << 40, 1 << 40}
		}, nil, `whose product overflows`},
		{"dim over MaxDim", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].Dims = []int64{1 << 41} },
			nil, `dimension 0 is 2199023255552, over the MaxDim limit of 1099511627776`},
		{"rank over MaxRank", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].Dims = []int64{1, 1, 1, 1, 1, 2} },
			&small, `rank is 6 dimensions, over the MaxRank limit of 4 by 2`},
		{"tensor over MaxTensorBytes", func(m *onnxpb.ModelProto) {
			m.Graph.Initializer[0] = f32Tensor("b", []int64{300}, make([]float32, 300)...)
		}, &small, `initializer 0 "b" needs 1200 bytes (1.2 KiB), over the MaxTensorBytes limit of 1024 bytes (1 KiB) by 176 bytes`},
		{"total over MaxTotalBytes", func(m *onnxpb.ModelProto) {
			m.Graph.Initializer[0] = f32Tensor("b", []int64{200}, make([]float32, 200)...)
			m.Graph.Initializer = append(m.Graph.Initializer, f32Tensor("c", []int64{200}, make([]float32, 200)...))
		}, &small, `over the MaxTotalBytes limit of 1500 bytes`},
		{"too many nodes", func(m *onnxpb.ModelProto) {
			for i := 0; i < 2; i++ {
				m.Graph.Node = append(m.Graph.Node, node("id", "Identity", []string{"y"}, []string{"z" + itoa(i)}))
			}
		}, &small, `node count is 4 nodes, over the MaxNodes limit of 3 by 1`},
		{"cycle", func(m *onnxpb.ModelProto) {
			m.Graph.Node[0].Input[0] = "y" // add reads relu's output, relu reads add's
		}, nil, `has a cycle: 2 nodes are in a cycle or depend on one, among them nodes [0 "add" 1 "relu"]`},
		{"duplicate output", func(m *onnxpb.ModelProto) { m.Graph.Node[1].Output[0] = "s" },
			nil, `node 1 "relu" (Relu) defines "s", which node 0 "add" already defines`},
		{"output shadows input", func(m *onnxpb.ModelProto) { m.Graph.Node[0].Output[0] = "x"; m.Graph.Node[1].Input[0] = "x" },
			nil, `defines "x", which graph input already defines`},
		{"duplicate initializer", func(m *onnxpb.ModelProto) {
			m.Graph.Initializer = append(m.Graph.Initializer, f32Tensor("b", []int64{2}, 1, 2))
		}, nil, `two initializers named "b"`},
		{"unproduced output", func(m *onnxpb.ModelProto) { m.Graph.Output[0].Name = proto.String("nope") },
			nil, `output "nope" is not produced`},
		{"IR version too new", func(m *onnxpb.ModelProto) { m.IrVersion = proto.Int64(99) },
			nil, `IR version 99: pwagen reads IR versions 3 to 11`},
		{"IR version too old", func(m *onnxpb.ModelProto) { m.IrVersion = proto.Int64(2) },
			nil, `IR version 2: pwagen reads IR versions 3 to 11`},
		{"undeclared domain", func(m *onnxpb.ModelProto) { m.Graph.Node[1].Domain = proto.String("com.microsoft") },
			nil, `node 1 "relu" (Relu): its domain "com.microsoft" is not in the model's opset_import`},
		{"no ai.onnx opset", func(m *onnxpb.ModelProto) { m.OpsetImport = nil },
			nil, `its domain "ai.onnx" is not in the model's opset_import`},
		{"float8 dtype", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].DataType = proto.Int32(17) },
			nil, `data type FLOAT8 (17), which pwagen does not read`},
		{"unsupported dtype", func(m *onnxpb.ModelProto) {
			m.Graph.Initializer[0].DataType = proto.Int32(int32(onnxpb.TensorProto_COMPLEX64))
		}, nil, `data type COMPLEX64 (14), which pwagen does not read`},
		{"no dtype", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].DataType = nil },
			nil, `has no data_type`},
		{"external data without a folder", func(m *onnxpb.ModelProto) {
			b := m.Graph.Initializer[0]
			b.FloatData = nil
			b.DataLocation = onnxpb.TensorProto_EXTERNAL.Enum()
			b.ExternalData = []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("w.bin")}}
		}, nil, `keeps its data in an external file, which cannot be read here`},
		{"negative value_info dim", func(m *onnxpb.ModelProto) {
			m.Graph.Input[0].Type.GetTensorType().Shape.Dim[0].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: -1}
		}, nil, `graph "g" input 0 "x" has a negative dimension -1 at index 0`},
		{"bad subgraph", func(m *onnxpb.ModelProto) {
			sub := &onnxpb.GraphProto{Name: proto.String("then"), Output: []*onnxpb.ValueInfoProto{vi("t")},
				Node: []*onnxpb.NodeProto{node("inner", "Identity", []string{"ghost"}, []string{"t"})}}
			m.Graph.Node[1].Attribute = []*onnxpb.AttributeProto{{Name: proto.String("then_branch"),
				Type: onnxpb.AttributeProto_GRAPH.Enum(), G: sub}}
		}, nil, `attribute "then_branch": graph "then": node 0 "inner" (Identity): input "ghost" names no graph input`},
		{"attribute without type", func(m *onnxpb.ModelProto) {
			m.Graph.Node[1].Attribute = []*onnxpb.AttributeProto{{Name: proto.String("alpha")}}
		}, nil, `attribute "alpha" has no valid type (0)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := validModel()
			tt.edit(m)
			lim := DefaultLimits()
			if tt.lim != nil {
				lim = *tt.lim
			}
			_, err := Decode(marshal(t, m), "", lim)
			if err == nil {
				t.Fatalf("no error; want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDecodeNotONNX(t *testing.T) {
	valid := marshal(t, validModel())
	for _, tt := range []struct {
		name string
		b    []byte
		want string
	}{
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "not an ONNX model: a PNG image"},
		{"text", []byte("graph {\n  node { op_type: \"Relu\" }\n}\n"), "not an ONNX model: a text file"},
		{"torch zip", []byte("PK\x03\x04\x00\x00"), "PyTorch"},
		{"npy", []byte("\x93NUMPY\x01\x00"), "a NumPy .npy array"},
		{"empty", nil, "no ir_version or graph"},
		{"truncated", valid[:len(valid)-5], "not an ONNX model, or a truncated one: protobuf"},
		{"unknown fields only", []byte("\xa0\x06\x01"), "no ir_version or graph"},
		{"a tensor, not a model", marshal(t, f32Tensor("x", []int64{1}, 1)), "protobuf"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.b, "", DefaultLimits())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v; want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadFileLimits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.onnx")
	if err := os.WriteFile(path, marshal(t, validModel()), 0o644); err != nil {
		t.Fatal(err)
	}
	lim := Limits{MaxFileBytes: 10} // the other fields take their defaults
	if _, err := ReadFile(path, lim); err == nil || !strings.Contains(err.Error(), "over the MaxFileBytes limit of 10 bytes") {
		t.Fatalf("error %v; want the file limit", err)
	}
	if _, err := ReadFile(dir, DefaultLimits()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("error %v; want not a regular file", err)
	}
	if _, err := ReadFile(path, Limits{}); err != nil {
		t.Fatal(err)
	}
}

// TestTensorDTypes decodes every dtype from raw_data and from its typed field.
func TestTensorDTypes(t *testing.T) {
	dt := func(d onnxpb.TensorProto_DataType) *int32 { return proto.Int32(int32(d)) }
	for _, tt := range []struct {
		name string
		p    *onnxpb.TensorProto
		want Tensor
	}{
		{"float16 raw", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_FLOAT16), Dims: []int64{4}, RawData: []byte{0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c}},
			Tensor{DType: Float16, F32: []float32{1, -2, 5.9604645e-08, float32(math.Inf(1))}}},
		{"float16 int32_data", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_FLOAT16), Dims: []int64{1}, Int32Data: []int32{0x3800}},
			Tensor{DType: Float16, F32: []float32{0.5}}},
		{"bfloat16 raw", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_BFLOAT16), Dims: []int64{1}, RawData: []byte{0x80, 0x3f}},
			Tensor{DType: BFloat16, F32: []float32{1}}},
		{"float64", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_DOUBLE), Dims: []int64{1}, DoubleData: []float64{0.25}},
			Tensor{DType: Float64, F64: []float64{0.25}}},
		{"int8 raw", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_INT8), Dims: []int64{2}, RawData: []byte{0xff, 7}},
			Tensor{DType: Int8, I64: []int64{-1, 7}}},
		{"uint8 int32_data", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_UINT8), Dims: []int64{1}, Int32Data: []int32{200}},
			Tensor{DType: Uint8, I64: []int64{200}}},
		{"int16 raw", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_INT16), Dims: []int64{1}, RawData: []byte{0xfe, 0xff}},
			Tensor{DType: Int16, I64: []int64{-2}}},
		{"uint16 raw", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_UINT16), Dims: []int64{1}, RawData: []byte{0xfe, 0xff}},
			Tensor{DType: Uint16, I64: []int64{65534}}},
		{"int32 raw", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_INT32), Dims: []int64{1}, RawData: []byte{0xff, 0xff, 0xff, 0xff}},
			Tensor{DType: Int32, I64: []int64{-1}}},
		{"uint32 uint64_data", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_UINT32), Dims: []int64{1}, Uint64Data: []uint64{4000000000}},
			Tensor{DType: Uint32, I64: []int64{4000000000}}},
		{"int64 scalar", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_INT64), Int64Data: []int64{-5}},
			Tensor{DType: Int64, I64: []int64{-5}}},
		{"uint64 bit pattern", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_UINT64), Dims: []int64{1}, RawData: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
			Tensor{DType: Uint64, I64: []int64{-1}}},
		{"bool raw", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_BOOL), Dims: []int64{2}, RawData: []byte{1, 0}},
			Tensor{DType: Bool, Bool: []bool{true, false}}},
		{"empty", &onnxpb.TensorProto{DataType: dt(onnxpb.TensorProto_FLOAT), Dims: []int64{0, 3}},
			Tensor{DType: Float32}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeTensor(marshal(t, tt.p), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if got.DType != tt.want.DType || !eqF32(got.F32, tt.want.F32) || !eqI64(got.I64, tt.want.I64) ||
				len(got.F64) != len(tt.want.F64) || len(got.Bool) != len(tt.want.Bool) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got.F64 {
				if got.F64[i] != tt.want.F64[i] {
					t.Fatalf("F64 %v, want %v", got.F64, tt.want.F64)
				}
			}
			for i := range got.Bool {
				if got.Bool[i] != tt.want.Bool[i] {
					t.Fatalf("Bool %v, want %v", got.Bool, tt.want.Bool)
				}
			}
		})
	}
}

func eqF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func eqI64(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
