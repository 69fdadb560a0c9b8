package importer

import (
	"context"
	"math"
	"testing"

	"github.com/tetratelabs/wazero"
	"google.golang.org/protobuf/proto"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/onnx"
	"github.com/pwagen/pwagen/onnx/onnxpb"
	"github.com/pwagen/pwagen/runner"
)

// maxMinModel is y = Min(hi, Max(x, lo)) over a 1×23 x, lo and hi scalar
// constants: the wake-word model's Max after each convolution, and Min
// with the scalar first.
func maxMinModel(t *testing.T, lo, hi float32) *Plan {
	t.Helper()
	vi := func(name string) *onnxpb.ValueInfoProto {
		shape := &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{
			{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 1}},
			{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 23}}}}
		return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Shape: shape}}}}
	}
	scalar := func(name string, v float32) *onnxpb.TensorProto {
		return &onnxpb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: []float32{v}}
	}
	m := &onnxpb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(13)}},
		Graph: &onnxpb.GraphProto{
			Name:        proto.String("g"),
			Input:       []*onnxpb.ValueInfoProto{vi("x")},
			Output:      []*onnxpb.ValueInfoProto{vi("y")},
			Initializer: []*onnxpb.TensorProto{scalar("lo", lo), scalar("hi", hi)},
			Node: []*onnxpb.NodeProto{
				{Name: proto.String("max"), OpType: proto.String("Max"), Input: []string{"x", "lo"}, Output: []string{"m"}},
				{Name: proto.String("min"), OpType: proto.String("Min"), Input: []string{"hi", "m"}, Output: []string{"y"}},
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
	g, err := Build(om, Options{})
	if err != nil {
		t.Fatal(err)
	}
	Optimize(g)
	pl, err := Lower(g)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// TestWasmMaxMinScalar: Max and Min against a constant scalar run in the
// kernels' act primitive (Clip), SIMD, not as a generated loop of one
// f32.max per value, and give the Go back end's bits (±0, ±Inf; any NaN
// for a NaN: wasm does not pin a NaN's payload), with
// the SIMD and the scalar kernels. NaN constants stay loops.
func TestWasmMaxMinScalar(t *testing.T) {
	ctx := context.Background()
	nan, inf, negz := float32(math.NaN()), float32(math.Inf(1)), float32(math.Copysign(0, -1))
	x := []float32{negz, 0, nan, inf, -inf, 1e-40, -1e-40, -3, 3, 0.5, 0.49999997, 0.50000006, -0.25, 7, -7, 0.1, -0.1, 1, -1, 2, 0.3, negz, nan}
	for _, tc := range []struct {
		lo, hi float32
		act    bool
	}{{0, 0.5, true}, {negz, 0.5, true}, {-0.4, inf, true}, {nan, nan, false}} {
		pl := maxMinModel(t, tc.lo, tc.hi)
		out, err := GenerateWasm(pl)
		if err != nil {
			t.Fatal(err)
		}
		r := wazero.NewRuntime(ctx)
		cm, err := r.CompileModule(ctx, out.Module)
		if err != nil {
			t.Fatal(err)
		}
		acts := 0
		for _, f := range cm.ImportedFunctions() {
			if mod, name, _ := f.Import(); mod == "kernels" && name == "act" {
				acts++
			}
		}
		r.Close(ctx)
		if got := acts == 1; got != tc.act {
			t.Errorf("lo %v hi %v: the module imports act %d times; want the act primitive %v", tc.lo, tc.hi, acts, tc.act)
		}
		ref, err := pl.Exec(x)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []modules.Variant{modules.SIMD, modules.Scalar} {
			m, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{Variant: v})
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Predict(ctx, x)
			m.Close(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := range ref[0] {
				if g, w := got[i], ref[0][i]; math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
					t.Errorf("%s lo %v hi %v: y[%d] = %v (%#x), the Go back end %v (%#x)", v, tc.lo, tc.hi, i, got[i], math.Float32bits(got[i]), ref[0][i], math.Float32bits(ref[0][i]))
				}
			}
		}
	}
}
