package importer

import (
	"context"
	"math"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/runner"
)

// actInputs are the values an activation's lowering is checked on: zeros
// of both signs, infinities, NaN, subnormals, halves (rounding), the ends
// of each algorithm's ranges, and a sweep.
func actInputs() []float32 {
	in := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		1e-45, -1e-45, 1e-39, -1e-39, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 1e-9, -1e-9, 3.7e-9, 0.84375, -0.84375, 1.25, -1.25,
		2.857, 6, -6, 20, -20, 28, 88.7, -88.7, 100, -100, 709, 3e38, -3e38, 0.3465, -0.3465, 1.0397, -1.0397, 56, -56}
	for i := -400; i <= 400; i++ {
		in = append(in, float32(i)*0.0371)
	}
	return in
}

// TestWasmActivationBits: each activation the wasm back end lowers gives
// the Go arithmetic's bits (in-process, pure Go: these loops have no
// assembly on amd64) under wazero with the scalar kernels, NaN for NaN.
func TestWasmActivationBits(t *testing.T) {
	ctx := context.Background()
	in := actInputs()
	for _, tc := range []struct {
		op    string
		attrs Attrs
	}{
		{"Sqrt", nil}, {"Neg", nil}, {"Abs", nil}, {"Reciprocal", nil}, {"Floor", nil}, {"Ceil", nil},
		{"Round", nil}, {"Sign", nil},
	} {
		t.Run(tc.op, func(t *testing.T) {
			x := &Value{Name: "x", DType: Float32, Shape: []int{1, len(in)}, Input: true}
			y := &Value{Name: "y", DType: Float32, Shape: []int{1, len(in)}}
			g := &Graph{Name: "g", Opset: 17, Inputs: []*Value{x}, Outputs: []*Value{y},
				Nodes: []*Node{{Op: tc.op, Name: "n", In: []*Value{x}, Out: []*Value{y}, Attrs: tc.attrs}}}
			pl, err := Lower(g)
			if err != nil {
				t.Fatal(err)
			}
			want, err := pl.Exec(in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := GenerateWasm(pl)
			if err != nil {
				t.Fatal(err)
			}
			m, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{Variant: modules.Scalar})
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Predict(ctx, in)
			m.Close(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range want[0] {
				if math.Float32bits(got[i]) != math.Float32bits(v) && !(v != v && got[i] != got[i]) {
					t.Errorf("%s(%g) = %g (%#x), Go gives %g (%#x)", tc.op, in[i], got[i], math.Float32bits(got[i]), v, math.Float32bits(v))
				}
			}
		})
	}
}
