package project

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/importer"
	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/runner"
)

// BenchmarkBackends runs one predict of a fixture under wazero (SIMD
// kernels) as the Go back end's module and as the wasm back end's: the
// same primitive calls, with or without the Go runtime and package
// kernels' checks around them.
//
//	go test ./importer/project -run ^$ -bench Backends
func BenchmarkBackends(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"mlp", "lenet", "mobilenetv2", "transformer_gelu"} {
		c, err := Compile(Options{Model: filepath.Join(onnxDir, "torch", name+"-opset17.onnx")})
		if err != nil {
			b.Fatal(err)
		}
		dir := filepath.Join(b.TempDir(), "p")
		if err := New(dir, c, "Fixture", "Fixture", "example.com/fixture"); err != nil {
			b.Fatal(err)
		}
		wasm := filepath.Join(dir, "model.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-ldflags=-s -w", "-o", wasm, "./model")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("wasip1 build: %v\n%s", err, out)
		}
		goMod, _ := os.ReadFile(wasm)
		lean, err := importer.GenerateWasm(c.Plan)
		if err != nil {
			b.Fatal(err)
		}
		x, err := npy.ReadFile(filepath.Join(onnxDir, "torch", name+".input.npy"), 1<<30)
		if err != nil {
			b.Fatal(err)
		}
		in := x.Float32()
		for _, side := range []struct {
			name string
			wasm []byte
		}{{"go", goMod}, {"wasm", lean.Module}} {
			b.Run(name+"/"+side.name, func(b *testing.B) {
				m, err := runner.Load(ctx, side.wasm, c.Out.Weights, runner.Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer m.Close(ctx)
				b.ReportMetric(float64(len(side.wasm)), "module-bytes")
				for b.Loop() {
					if _, err := m.Predict(ctx, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
