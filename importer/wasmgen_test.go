package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/runner"
)

// wasmFixtures are the torch exports the wasm back end compiles; the others
// must fall back with a message naming the node (TestWasmUnsupported).
var wasmFixtures = []string{"mlp", "lenet", "lenet_dynbatch", "cifar_cnn", "cifar_cnn_bn", "mobilenetv2", "audio1d", "transformer_relu", "transformer_gelu", "transformer_relu_mask", "transformer_gelu_mask", "transformer_embed_gelu", "ops_zoo"}

// TestWasmTorchFixtures compiles each supported torch fixture with the wasm
// back end, runs it under wazero with the SIMD and the scalar kernels, and
// checks its outputs against torch's (1e-4 of scale) and against the Go
// back end's arithmetic run in-process (bit for bit: both call the same
// primitives in the same order).
func TestWasmTorchFixtures(t *testing.T) {
	ctx := context.Background()
	for _, f := range torchFixtures(t) {
		if !contains(wasmFixtures, f.Name) {
			continue
		}
		o := f.Opsets["17"]
		t.Run(f.Name, func(t *testing.T) {
			pl := importTorch(t, o.File)
			out, err := GenerateWasm(pl)
			if err != nil {
				t.Fatal(err)
			}
			var ins [][]float32
			var flat []float32
			for _, in := range f.Inputs {
				a, err := npy.ReadFile(filepath.Join(torchDir, in.File), 1<<30)
				if err != nil {
					t.Fatal(err)
				}
				ins = append(ins, a.Float32())
				flat = append(flat, a.Float32()...)
			}
			ref, err := pl.Exec(ins...)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []modules.Variant{modules.SIMD, modules.Scalar} {
				m, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{Variant: v})
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.Predict(ctx, flat)
				m.Close(ctx)
				if err != nil {
					t.Fatal(err)
				}
				at := 0
				for i, file := range o.Outputs {
					want, err := npy.ReadFile(filepath.Join(torchDir, file), 1<<30)
					if err != nil {
						t.Fatal(err)
					}
					g := got[at : at+len(ref[i])]
					at += len(ref[i])
					closeTo(t, string(v)+" "+file, g, want.Float32(), 1e-4)
					worst := 0.0
					for j := range g {
						worst = math.Max(worst, math.Abs(float64(g[j]-ref[i][j])))
					}
					t.Logf("%s %s: %d bytes; largest difference from the Go back end's arithmetic (pure Go) %.3g", v, file, len(out.Module), worst)
				}
			}
		})
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// TestWasmGolden: the generated modules are deterministic and their bytes
// are pinned (testdata/wasm/hashes.golden, sha256 of each fixture's
// module); mlp's module is pinned as text too (testdata/wasm/mlp.wat,
// wasm2wat's reading of it), which is where to review a change. Update
// with -update.
func TestWasmGolden(t *testing.T) {
	var hashes strings.Builder
	for _, name := range wasmFixtures {
		pl := importTorch(t, name+"-opset17.onnx")
		a, err := GenerateWasm(pl)
		if err != nil {
			t.Fatal(err)
		}
		b, err := GenerateWasm(importTorch(t, name+"-opset17.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Module, b.Module) {
			t.Fatalf("%s: two imports gave different modules", name)
		}
		fmt.Fprintf(&hashes, "%s %x %d\n", name, sha256.Sum256(a.Module), len(a.Module))
		if name == "mlp" {
			if _, err := exec.LookPath("wasm2wat"); err != nil {
				t.Log("no wasm2wat (Debian: apt-get install wabt): mlp.wat not checked")
				continue
			}
			f := filepath.Join(t.TempDir(), "mlp.wasm")
			os.WriteFile(f, a.Module, 0o644)
			wat, err := exec.Command("wasm2wat", "--enable-all", f).CombinedOutput()
			if err != nil {
				t.Fatalf("wasm2wat refuses the module: %v\n%s", err, wat)
			}
			checkGolden(t, "testdata/wasm/mlp.wat", wat)
		}
	}
	checkGolden(t, "testdata/wasm/hashes.golden", []byte(hashes.String()))
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateDocs {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (run go test -run %s -update, then review the diff)", path, t.Name())
	}
}

// TestWasmUnsupported: a model with a node the wasm back end has no
// lowering for is refused with the node, its op and the reason (Sin: Go's
// Sin is not ported); every torch fixture is in wasmFixtures, and one
// added that is not fails here with its reason.
func TestWasmUnsupported(t *testing.T) {
	x := &Value{Name: "x", DType: Float32, Shape: []int{1, 4}, Input: true}
	y := &Value{Name: "y", DType: Float32, Shape: []int{1, 4}}
	g := &Graph{Name: "g", Opset: 17, Inputs: []*Value{x}, Outputs: []*Value{y},
		Nodes: []*Node{{Op: "Sin", Name: "s", In: []*Value{x}, Out: []*Value{y}}}}
	pl, err := Lower(g)
	if err != nil {
		t.Fatal(err)
	}
	_, err = GenerateWasm(pl)
	var un *WasmUnsupported
	if want := `Sin node "s" (op Sin)`; !errors.As(err, &un) || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want a *WasmUnsupported with %q", err, want)
	}
	for _, f := range torchFixtures(t) {
		if !contains(wasmFixtures, f.Name) {
			_, err := GenerateWasm(importTorch(t, f.Opsets["17"].File))
			t.Errorf("%s is not in wasmFixtures: %v", f.Name, err)
		}
	}
}

// TestIsGeneratedWasm: only a module with pwagen's header section counts
// as one import may overwrite.
func TestIsGeneratedWasm(t *testing.T) {
	out, err := GenerateWasm(importTorch(t, "mlp-opset17.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if !IsGeneratedWasm(out.Module) {
		t.Error("a generated module is not recognised")
	}
	for name, b := range map[string][]byte{
		"empty":        nil,
		"header only":  out.Module[:8],
		"cut":          out.Module[:20],
		"other custom": append([]byte("\x00asm\x01\x00\x00\x00\x00\x0a\x06pwagex"), []byte(HeaderPrefix)...),
		"no custom":    []byte("\x00asm\x01\x00\x00\x00\x01\x04\x01\x60\x00\x00"),
	} {
		if IsGeneratedWasm(b) {
			t.Errorf("%s: recognised as generated", name)
		}
	}
}

// FuzzIsGeneratedWasm: any bytes give an answer, never a panic.
func FuzzIsGeneratedWasm(f *testing.F) {
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x00\x80"))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x00\x06\x06pwagen// Code generated by pwagen import"))
	f.Fuzz(func(t *testing.T, b []byte) { IsGeneratedWasm(b) })
}

// TestWasmThreadsLayout: the modules leave the threaded kernels' control
// block free, so an isolated page can patch their memory to shared and
// run the simd-threads kernels.
func TestWasmThreadsLayout(t *testing.T) {
	if dataBase < modules.ControlEnd {
		t.Fatalf("the modules' data and arena start at %d, inside the threads' control block (%d-%d)", dataBase, modules.ControlStart, modules.ControlEnd-1)
	}
	for _, name := range wasmFixtures {
		out, err := GenerateWasm(importTorch(t, name+"-opset17.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		if err := modules.ThreadsLayout(out.Module); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := modules.SharedMemory(out.Module, modules.MaxPages); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestWasmBadInputs: the module refuses what the Go back end refuses, with
// a message: a token id outside the vocabulary (GatherF), an int64 outside
// ±2^24 in the typed buffer.
func TestWasmBadInputs(t *testing.T) {
	ctx := context.Background()
	out, err := GenerateWasm(importTorch(t, "transformer_embed_gelu-opset17.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	sig := m.Signature()
	offs, total := runner.Layout(sig.Inputs)
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"token id past the vocabulary", func() error {
			in := make([]float32, m.InputLen())
			in[3] = 1e6
			_, err := m.Predict(ctx, in)
			return err
		}, "model: kernels.GatherF: index 3 is 1000000, want a whole number in [-40, 40)"},
		{"fraction as token id", func() error {
			in := make([]float32, m.InputLen())
			in[0] = 0.5
			_, err := m.Predict(ctx, in)
			return err
		}, "model: kernels.GatherF: index 0 is 0.…, want a whole number in [-40, 40)"},
		{"NaN as token id", func() error {
			in := make([]float32, m.InputLen())
			in[5] = float32(math.NaN())
			_, err := m.Predict(ctx, in)
			return err
		}, "model: kernels.GatherF: index 5 is NaN, want"},
		{"negative token id", func() error {
			in := make([]float32, m.InputLen())
			in[1] = -41
			_, err := m.Predict(ctx, in)
			return err
		}, "model: kernels.GatherF: index 1 is -41, want"},
		{"int64 outside ±2^24", func() error {
			buf := make([]byte, total)
			binary.LittleEndian.PutUint64(buf[offs[0]+8:], 1<<40)
			_, err := m.PredictTyped(ctx, buf)
			return err
		}, `model: input "input_ids" has a value outside ±2^24`},
	}
	for _, tc := range tests {
		err := tc.run()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	// And it still works after those.
	if _, err := m.PredictTyped(ctx, make([]byte, total)); err != nil {
		t.Errorf("a zero input after the errors: %v", err)
	}
}

// TestWasmQuantized: int8 and fp16 weights run in the q8 and f16
// primitives, as GemmExQ8, ConvQ8, GemmExF16 and ConvF16 call them: with
// the scalar kernels the module gives the in-process plan's bits.
func TestWasmQuantized(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"mlp", "lenet", "cifar_cnn", "mobilenetv2", "transformer_gelu"} {
		for _, mode := range []string{QuantInt8, QuantFP16} {
			pl, err := Quantize(importTorch(t, name+"-opset17.onnx"), mode, QuantOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out, err := GenerateWasm(pl)
			if err != nil {
				t.Fatalf("%s %s: %v", name, mode, err)
			}
			m, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{Variant: modules.Scalar})
			if err != nil {
				t.Fatal(err)
			}
			// Scaled by 0 or with an infinity, the input is one that q8act
			// cannot quantize (scale 0): the int8 kernels' fallback to the
			// float q8 kernels, in the first layer at least (an infinity
			// there makes infinities and NaNs, which the integer kernel
			// would not). NaNs compare as NaNs: their bits may differ.
			for _, amp := range []float32{1, 0, float32(math.Inf(1))} {
				in := make([]float32, 0)
				for _, v := range pl.Graph.Inputs {
					for i := range v.Len() {
						x := float32(math.Sin(float64(i) * 0.1))
						if math.IsInf(float64(amp), 0) {
							if i == 3 {
								x = amp
							}
						} else {
							x *= amp
						}
						in = append(in, x)
					}
				}
				ref, err := pl.Exec(in)
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.Predict(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				for i := range ref[0] {
					nan := got[i] != got[i] && ref[0][i] != ref[0][i]
					if !nan && math.Float32bits(got[i]) != math.Float32bits(ref[0][i]) {
						t.Fatalf("%s %s, input ×%g: output %d is %g, the plan gives %g", name, mode, amp, i, got[i], ref[0][i])
					}
				}
			}
			m.Close(ctx)
			t.Logf("%s %s: %d bytes of module, %d of weights", name, mode, len(out.Module), len(out.Weights))
		}
	}
}

// TestKernelFuncsMatchModules: the signatures the back end imports are
// the kernel modules'.
func TestKernelFuncsMatchModules(t *testing.T) {
	names := map[byte]string{ii: "i32", ff: "f32"}
	for _, f := range kernelFuncs {
		want, ok := modules.Lookup(f.name)
		if !ok {
			t.Errorf("%s: not a kernel function", f.name)
			continue
		}
		var params, results []string
		for _, p := range f.t.Params {
			params = append(params, names[p])
		}
		for _, r := range f.t.Results {
			results = append(results, names[r])
		}
		if fmt.Sprint(params, results) != fmt.Sprint(want.Params, want.Results) {
			t.Errorf("%s: %v -> %v, the kernels' %v -> %v", f.name, params, results, want.Params, want.Results)
		}
	}
}
