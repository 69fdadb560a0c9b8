package importer

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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
	in := actInputs()
	for _, tc := range []struct {
		op    string
		attrs Attrs
	}{
		{"Sqrt", nil}, {"Neg", nil}, {"Abs", nil}, {"Reciprocal", nil}, {"Floor", nil}, {"Ceil", nil},
		{"Round", nil}, {"Sign", nil},
		{"Elu", nil}, {"Elu", Attrs{"alpha": {Kind: AttrFloat, Float: 0.3}}},
		{"Erf", nil}, {"Softplus", nil}, {"Selu", nil}, {"Selu", Attrs{"alpha": {Kind: AttrFloat, Float: 2}, "gamma": {Kind: AttrFloat, Float: 1.5}}},
	} {
		t.Run(tc.op, func(t *testing.T) {
			wasmSameBits(t, tc.op, tc.attrs, []int{1, len(in)}, []int{1, len(in)}, in)
		})
	}
}

// TestWasmReduceBits: the reductions the wasm back end lowers give the
// Go arithmetic's bits (float64 accumulation in the same order), over
// the middle axis (strided) and the last (contiguous).
func TestWasmReduceBits(t *testing.T) {
	all := actInputs()[5:] // finite values
	n := len(all) / 120
	in := all[:120*n]
	for _, op := range []string{"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare"} {
		for _, axis := range []int64{1, 2} {
			t.Run(fmt.Sprint(op, axis), func(t *testing.T) {
				out := []int{n, 30, 1}
				if axis == 1 {
					out = []int{n, 1, 4}
				}
				attrs := Attrs{"axes": {Kind: AttrInts, Ints: []int64{axis}}}
				if op == "ReduceSum" {
					attrs = nil // an input from opset 13: reduce over everything
					out = []int{1, 1, 1}
				}
				// Values scaled so that products stay finite.
				x := make([]float32, len(in))
				for i, v := range in {
					x[i] = float32(math.Mod(float64(v), 3))
				}
				wasmSameBits(t, op, attrs, []int{n, 30, 4}, out, x)
			})
		}
	}
}

// TestWasmPReluBits: PRelu with a slope per value, one per row
// (broadcast) and one for all, as the Go back end's loops.
func TestWasmPReluBits(t *testing.T) {
	all := actInputs()
	n := len(all) / 8
	in := all[:8*n]
	for _, shape := range [][]int{{8, n}, {8, 1}, {1, 1}, {1, n}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			slope := make([]float32, shape[0]*shape[1])
			for i := range slope {
				slope[i] = float32(i%7)*0.3 - 0.9
			}
			s := constOf("slope", &Tensor{DType: Float32, Shape: shape, F: slope})
			wasmSameBits(t, "PRelu", nil, []int{8, n}, []int{8, n}, in, s)
		})
	}
}

// wasmSameBits lowers one node, runs it in-process and as the wasm back
// end's module (scalar kernels) and compares the bits, NaN for NaN.
func wasmSameBits(t *testing.T, op string, attrs Attrs, inShape, outShape []int, in []float32, consts ...*Value) {
	t.Helper()
	ctx := context.Background()
	x := &Value{Name: "x", DType: Float32, Shape: inShape, Input: true}
	y := &Value{Name: "y", DType: Float32, Shape: outShape}
	g := &Graph{Name: "g", Opset: 17, Inputs: []*Value{x}, Outputs: []*Value{y},
		Nodes: []*Node{{Op: op, Name: "n", In: append([]*Value{x}, consts...), Out: []*Value{y}, Attrs: attrs}}}
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
	bad := 0
	for i, v := range want[0] {
		if math.Float32bits(got[i]) != math.Float32bits(v) && !(v != v && got[i] != got[i]) {
			if bad++; bad <= 5 {
				t.Errorf("%s: value %d is %g (%#x), Go gives %g (%#x)", op, i, got[i], math.Float32bits(got[i]), v, math.Float32bits(v))
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d values differ", op, bad)
	}
}

// TestWasmRowsumTestsModeOnce: the reduction helper (GlobalAveragePool,
// ReduceMean, …) tests its mode once per row, outside the loop over the
// values: wazero keeps a test left inside the loop, and cifar_cnn's
// global pool over 4,096 values took ~11 µs more under the edge runner
// with the seven tests per value. wasm2wat's reading of cifar_cnn's
// module: no `local.get 4` (the mode) inside a loop within a loop.
func TestWasmRowsumTestsModeOnce(t *testing.T) {
	if _, err := exec.LookPath("wasm2wat"); err != nil {
		t.Skip("no wasm2wat (Debian: apt-get install wabt)")
	}
	out, err := GenerateWasm(importTorch(t, "cifar_cnn-opset17.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "m.wasm")
	if err := os.WriteFile(f, out.Module, 0o644); err != nil {
		t.Fatal(err)
	}
	wat, err := exec.Command("wasm2wat", "--enable-all", f).CombinedOutput()
	if err != nil {
		t.Fatalf("wasm2wat refuses the module: %v\n%s", err, wat)
	}
	// The helper: the function of seven i32 parameters with the f64
	// locals (type 1's signature is shared with gemm's import).
	var body []string
	in := false
	for _, l := range strings.Split(string(wat), "\n") {
		if strings.HasPrefix(l, "  (func ") {
			if in {
				break
			}
			in = strings.Contains(l, "(param i32 i32 i32 i32 i32 i32 i32)")
			continue
		}
		if in {
			body = append(body, strings.TrimSpace(l))
		}
	}
	if len(body) == 0 || !slices.Contains(body, "(local i32 i32 f64 f64)") {
		t.Fatalf("no rowsum helper in cifar_cnn's module:\n%s", wat)
	}
	loops, inner := 0, 0
	var stack []bool // per open block: is it a loop
	for _, l := range body {
		switch {
		case l == "loop" || strings.HasPrefix(l, "loop "):
			stack = append(stack, true)
			loops++
		case l == "block" || strings.HasPrefix(l, "block ") || l == "if" || strings.HasPrefix(l, "if "):
			stack = append(stack, false)
		case l == "end" || strings.HasPrefix(l, "end "):
			if len(stack) > 0 {
				if stack[len(stack)-1] {
					loops--
				}
				stack = stack[:len(stack)-1]
			}
		case l == "local.get 4" && loops >= 2:
			inner++
		}
	}
	if inner > 0 {
		t.Fatalf("rowsum reads its mode %d times inside its loop over the values:\n%s", inner, strings.Join(body, "\n"))
	}
}
