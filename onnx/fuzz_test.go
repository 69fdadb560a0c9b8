package onnx

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pwagen/pwagen/onnx/onnxpb"
)

var writeSeeds = flag.Bool("write-seeds", false, "rewrite testdata/fuzz seeds from libonnx-testdata and hand-built models")

// FuzzDecode feeds truncated, random and hostile models to Decode: it must
// return a model or an error, never panic, and allocate in proportion to its input.
// External data is read from a folder holding the seed's weights.bin.
func FuzzDecode(f *testing.F) {
	dir := f.TempDir()
	ext, err := os.ReadFile(externalModel(f, dir, nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ext)
	f.Add(marshal(f, validModel()))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b, dir, DefaultLimits())
		if err != nil {
			return
		}
		checkGraph(t, m.Graph)
	})
}

// FuzzReadTensor feeds truncated, random and hostile TensorProtos to DecodeTensor.
func FuzzReadTensor(f *testing.F) {
	f.Add(marshal(f, f32Tensor("x", []int64{2}, 1, 2)))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := DecodeTensor(b, DefaultLimits())
		if err != nil {
			return
		}
		checkTensor(t, x)
	})
}

// checkGraph asserts the invariants of a decoded graph.
func checkGraph(t *testing.T, g *Graph) {
	for _, x := range g.Initializers {
		checkTensor(t, x)
	}
	for _, n := range g.Nodes {
		for _, a := range n.Attrs {
			if a.T != nil {
				checkTensor(t, a.T)
			}
			if a.G != nil {
				checkGraph(t, a.G)
			}
		}
	}
}

// checkTensor asserts that exactly the slice of its dtype holds Len() values.
func checkTensor(t *testing.T, x *Tensor) {
	n := x.Len()
	lens := map[string]int{"F32": len(x.F32), "F64": len(x.F64), "I64": len(x.I64), "Bool": len(x.Bool), "Str": len(x.Str)}
	want := map[DType]string{Float32: "F32", Float16: "F32", BFloat16: "F32", Float64: "F64", Bool: "Bool", String: "Str"}[x.DType]
	if want == "" {
		want = "I64"
	}
	for k, l := range lens {
		if k == want && l != n || k != want && l != 0 {
			t.Fatalf("%s %v: %s holds %d values, want %d in %s", x.DType, x.Dims, k, l, n, want)
		}
	}
}

// TestWriteFuzzSeeds rewrites the checked-in seeds under -write-seeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite testdata/fuzz")
	}
	models := map[string][]byte{}
	tensors := map[string][]byte{}
	for _, name := range []string{"test_relu", "test_conv_with_strides_padding", "test_if", "test_maxpool_2d_pads", "test_cast_FLOAT_to_FLOAT16"} {
		dir := filepath.Join(testdataRoot, "node", name)
		models[name] = mustRead(t, filepath.Join(dir, "model.onnx"))
		tensors[name] = mustRead(t, filepath.Join(dir, "test_data_set_0", "input_0.pb"))
		tensors[name+"_out"] = mustRead(t, filepath.Join(dir, "test_data_set_0", "output_0.pb"))
	}
	valid := marshal(t, validModel())
	models["truncated"] = valid[:len(valid)/2]
	models["truncated_conv"] = models["test_conv_with_strides_padding"][:100]
	edits := map[string]func(m *onnxpb.ModelProto){
		"huge_declared_size": func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].Dims = []int64{1 << 30, 1 << 30} },
		"negative_dims":      func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].Dims = []int64{-1, -2} },
		"cycle":              func(m *onnxpb.ModelProto) { m.Graph.Node[0].Input[0] = "y" },
		"missing_initializer": func(m *onnxpb.ModelProto) {
			m.Graph.Initializer = nil
		},
		"raw_data_short": func(m *onnxpb.ModelProto) {
			m.Graph.Initializer[0].FloatData = nil
			m.Graph.Initializer[0].RawData = []byte{1, 2, 3}
		},
	}
	for name, edit := range edits {
		m := validModel()
		edit(m)
		models[name] = marshal(t, m)
	}
	tensors["huge_declared_size"] = marshal(t, &onnxpb.TensorProto{DataType: proto.Int32(1), Dims: []int64{1 << 40, 1 << 20}})
	tensors["negative_dims"] = marshal(t, &onnxpb.TensorProto{DataType: proto.Int32(1), Dims: []int64{-4}, FloatData: []float32{1}})
	tensors["truncated"] = tensors["test_relu"][:len(tensors["test_relu"])/2]
	tensors["float16_raw"] = marshal(t, &onnxpb.TensorProto{DataType: proto.Int32(10), Dims: []int64{2}, RawData: []byte{0, 0x3c, 0, 0x7c}})
	write(t, "FuzzDecode", models)
	write(t, "FuzzReadTensor", tensors)
}

func write(t *testing.T, target string, seeds map[string][]byte) {
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
