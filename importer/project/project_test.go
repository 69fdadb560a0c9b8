package project

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"github.com/pwagen/pwagen/importer"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/golden"
	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/runner"
	"github.com/pwagen/pwagen/validate"
)

const onnxDir = "../../testdata/onnx"

// TestGolden pins the generated Go and page config of a small model: run
// go test ./importer/project -run TestGolden -update after a deliberate
// change, and review the diff.
func TestGolden(t *testing.T) {
	for _, model := range []string{"made/tiny.onnx", "torch/lenet-opset17.onnx"} {
		t.Run(strings.TrimSuffix(filepath.Base(model), ".onnx"), func(t *testing.T) {
			c, err := Compile(Options{Model: filepath.Join(onnxDir, model)})
			if err != nil {
				t.Fatal(err)
			}
			files := c.Files()
			var names []string
			for n := range files {
				if strings.HasSuffix(n, ".go") || strings.HasSuffix(n, ".js") {
					names = append(names, n)
				}
			}
			sort.Strings(names)
			for _, n := range names {
				if strings.HasSuffix(n, "pwagen_abi.go") {
					continue // the template's, tested in templates/
				}
				golden.AssertFile(t, filepath.Join("testdata", t.Name(), strings.ReplaceAll(n, "/", "_")+".golden"), files[n])
			}
		})
	}
}

// TestDeterministic: the same ONNX file gives byte-identical files,
// weights included.
func TestDeterministic(t *testing.T) {
	model := filepath.Join(onnxDir, "torch/mobilenetv2-opset17.onnx")
	a, err := Compile(Options{Model: model})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Compile(Options{Model: model})
	if err != nil {
		t.Fatal(err)
	}
	fa, fb := a.Files(), b.Files()
	if len(fa) != len(fb) {
		t.Fatalf("%d files, then %d", len(fa), len(fb))
	}
	for n := range fa {
		if !bytes.Equal(fa[n], fb[n]) {
			t.Errorf("%s differs between two imports of the same file", n)
		}
	}
}

type fixture struct {
	name, onnx string
	inputs     []string // .npy files, in the graph's input order
	output     string   // the first output's .npy
}

// torchFixtures lists the float-input torch exports with their files.
func torchFixtures(t testing.TB) []fixture {
	b, err := os.ReadFile(filepath.Join(onnxDir, "torch", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Fixtures []struct {
			Name   string
			Inputs []struct{ File, DType string }
			Opsets map[string]struct {
				File    string
				Outputs []string
			}
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var out []fixture
	for _, f := range m.Fixtures {
		var ins []string
		for _, in := range f.Inputs {
			ins = append(ins, in.File)
		}
		for op, o := range f.Opsets {
			out = append(out, fixture{f.Name + "-opset" + op, o.File, ins, o.Outputs[0]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func readNpy(t testing.TB, path string) []float32 {
	a, err := npy.ReadFile(path, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return a.Float32()
}

func closeTo(t testing.TB, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= 1e-4*scale) {
			t.Fatalf("%s: value %d is %g, torch says %g (off by %.3g; the bar is 1e-4 of the scale %.3g)", what, i, got[i], want[i], d, scale)
		}
	}
}

// TestTorchGenerated writes a project for every float-input torch export
// and runs its generated Go natively (go run ./model) and as WebAssembly
// under wazero with the SIMD kernels (the browser's build): both match
// torch's outputs within 1e-4 of their scale.
func TestTorchGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every fixture natively and for wasip1")
	}
	for _, f := range torchFixtures(t) {
		if !strings.HasSuffix(f.name, "-opset17") && os.Getenv("PWAGEN_ALL_FIXTURES") == "" {
			continue // opset 13 runs in-process in importer's TestTorchFixtures
		}
		t.Run(f.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "p")
			c, err := Compile(Options{Model: filepath.Join(onnxDir, "torch", f.onnx)})
			if err != nil {
				t.Fatal(err)
			}
			if err := New(dir, c, "Fixture", "Fixture", "example.com/fixture"); err != nil {
				t.Fatal(err)
			}
			var in []float32
			var arrays []*npy.Array
			for _, file := range f.inputs {
				a, err := npy.ReadFile(filepath.Join(onnxDir, "torch", file), 1<<30)
				if err != nil {
					t.Fatal(err)
				}
				arrays = append(arrays, a)
				in = append(in, a.Float32()...)
			}
			want := readNpy(t, filepath.Join(onnxDir, "torch", f.output))
			js, _ := json.Marshal(in)
			if err := os.WriteFile(filepath.Join(dir, "in.json"), js, 0o644); err != nil {
				t.Fatal(err)
			}
			// Native.
			cmd := exec.Command("go", "run", "./model", "weights/model.bin", "in.json")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go run ./model: %v\n%s", err, stderrOf(err))
			}
			var native []float32
			if err := json.Unmarshal(out, &native); err != nil {
				t.Fatalf("native output %q: %v", out, err)
			}
			closeTo(t, "native", native[:len(want)], want)
			// The project's own tests, natively: among them, predict
			// allocates nothing.
			cmd = exec.Command("go", "test", "./model")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go test ./model: %v\n%s", err, out)
			}
			// WebAssembly under wazero, SIMD kernels.
			wasm := filepath.Join(dir, "model.wasm")
			cmd = exec.Command("go", "build", "-buildmode=c-shared", "-o", wasm, "./model")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("wasip1 build: %v\n%s", err, out)
			}
			wb, _ := os.ReadFile(wasm)
			weights, _ := os.ReadFile(filepath.Join(dir, "weights", "model.bin"))
			m, err := runner.Load(context.Background(), wb, weights, runner.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close(context.Background())
			got, err := m.Predict(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			closeTo(t, "wazero", got[:len(want)], want)
			// The typed contract: each input in its own type, outputs by offset.
			sig := m.Signature()
			if !sig.Known || !m.Typed() || len(sig.Inputs) != len(arrays) {
				t.Fatalf("signature %+v, typed %v", sig, m.Typed())
			}
			offs, total := runner.Layout(sig.Inputs)
			buf := make([]byte, total)
			for i, ti := range sig.Inputs {
				for j, v := range arrays[i].Float64() {
					b := buf[offs[i]:]
					switch ti.DType {
					case "float32":
						binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(float32(v)))
					case "int64":
						binary.LittleEndian.PutUint64(b[8*j:], uint64(int64(v)))
					case "bool":
						if v != 0 {
							b[j] = 1
						}
					default:
						t.Fatalf("input dtype %s", ti.DType)
					}
				}
			}
			ob, err := m.PredictTyped(context.Background(), buf)
			if err != nil {
				t.Fatal(err)
			}
			typed := make([]float32, len(want))
			for j := range typed {
				typed[j] = math.Float32frombits(binary.LittleEndian.Uint32(ob[4*j:]))
			}
			closeTo(t, "wazero typed", typed, want)
			wasmBackendSame(t, c, in, buf, got, ob)
		})
	}
}

// wasmBackendSame compiles the fixture with the wasm back end, when it
// can, and checks that its module gives the Go back end's module's bits
// (v1 and typed) under wazero with the SIMD kernels: both call the same
// primitives in the same order.
func wasmBackendSame(t *testing.T, c *Compiled, in []float32, typedIn []byte, goOut []float32, goTyped []byte) {
	t.Helper()
	w, err := importer.GenerateWasm(c.Plan)
	var un *importer.WasmUnsupported
	if errors.As(err, &un) {
		t.Logf("wasm back end: %v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m, err := runner.Load(ctx, w.Module, w.Weights, runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	got, err := m.Predict(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range goOut {
		if math.Float32bits(got[i]) != math.Float32bits(goOut[i]) {
			t.Fatalf("wasm back end: output %d is %g, the Go back end's module gives %g", i, got[i], goOut[i])
		}
	}
	ob, err := m.PredictTyped(ctx, typedIn)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ob, goTyped) {
		t.Fatalf("wasm back end: typed outputs differ from the Go back end's module's")
	}
	t.Logf("wasm back end: same bits as the Go back end's module; %d bytes", len(w.Module))
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

var _ = strconv.Itoa

// TestTokenModelChecks makes a project from the torch encoder that takes
// int64 token ids and a mask, and runs the two checks every project gets:
// the generated `go test ./model` and validate's smoke run under wazero
// (which every pwagen package does). Both fed fractions to the token ids
// (sin(i), i%17/17), which no embedding can look up: the model panicked
// in GatherF and pwagen package refused every token model.
func TestTokenModelChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a fixture natively and for wasip1")
	}
	dir := filepath.Join(t.TempDir(), "p")
	c, err := Compile(Options{Model: filepath.Join(onnxDir, "torch", "transformer_embed_gelu-opset17.onnx")})
	if err != nil {
		t.Fatal(err)
	}
	if err := New(dir, c, "Fixture", "Fixture", "example.com/fixture"); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "test", "-count=1", "./model")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test ./model of the generated project: %v\n%s", err, out)
	}
	wasm := filepath.Join(dir, "model.wasm")
	cmd = exec.Command("go", "build", "-buildmode=c-shared", "-o", wasm, "./model")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wasip1 build: %v\n%s", err, out)
	}
	wb, _ := os.ReadFile(wasm)
	r, err := validate.Module(context.Background(), wasm, wb, validate.Options{
		Targets: []string{"chrome100"}, MemoryBudget: 64 << 20, Weights: filepath.Join(dir, "weights", "model.bin"), CacheDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("validate: %+v", r.Problems)
	}
}

// TestQuantizedGenerated: an int8 or fp16 project's Go module (wasip1,
// SIMD kernels, under wazero) and the wasm back end's module give the
// same output bits, v1 and typed: both decode the one-byte int8 scales
// the same way and call the same q8/f16 kernels, depthwise tile included.
func TestQuantizedGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds each quantized fixture for wasip1")
	}
	for _, tc := range []struct{ name, mode string }{
		{"mlp", "int8"}, {"lenet", "int8"}, {"cifar_cnn", "int8"}, {"mobilenetv2", "int8"}, {"mobilenetv2", "fp16"},
	} {
		t.Run(tc.name+"-"+tc.mode, func(t *testing.T) {
			c, err := Compile(Options{Model: filepath.Join(onnxDir, "torch", tc.name+"-opset17.onnx"), Quantize: tc.mode})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "p")
			if err := New(dir, c, "Fixture", "Fixture", "example.com/fixture"); err != nil {
				t.Fatal(err)
			}
			wasm := filepath.Join(dir, "model.wasm")
			cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", wasm, "./model")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("wasip1 build: %v\n%s", err, out)
			}
			wb, _ := os.ReadFile(wasm)
			weights, _ := os.ReadFile(filepath.Join(dir, "weights", "model.bin"))
			ctx := context.Background()
			m, err := runner.Load(ctx, wb, weights, runner.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close(ctx)
			var in []float32
			for _, v := range c.Plan.Graph.Inputs {
				for i := range v.Len() {
					in = append(in, float32(math.Sin(float64(i)*0.37)))
				}
			}
			got, err := m.Predict(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			typedIn := make([]byte, 4*len(in))
			for i, v := range in {
				binary.LittleEndian.PutUint32(typedIn[4*i:], math.Float32bits(v))
			}
			ob, err := m.PredictTyped(ctx, typedIn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := importer.GenerateWasm(c.Plan); err != nil {
				t.Fatalf("the wasm back end refused: %v", err)
			}
			wasmBackendSame(t, c, in, typedIn, got, ob)
		})
	}
}
