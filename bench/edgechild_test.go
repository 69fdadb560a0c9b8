package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/edgegen"
	"github.com/pwagen/pwagen/importer"
	"github.com/pwagen/pwagen/kernels/native"
	"github.com/pwagen/pwagen/onnx"
	"github.com/pwagen/pwagen/runner"
)

// TestEdgeTimes: the bench's edge column is measured whether or not the
// bench itself was built with GOEXPERIMENT=simd (in a build without it,
// edgeTimes builds the bench again with the experiment and runs its _edge
// command), and its output is wazero's bit for bit. It skips where the
// toolchain has no experiment or the CPU no AVX2.
func TestEdgeTimes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bench (-short)")
	}
	ctx := context.Background()
	if _, ok := edgegen.SIMDExperiment(ctx, edgegen.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}); !ok {
		t.Skip("no GOEXPERIMENT=simd for this platform or toolchain")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(repo, "testdata", "onnx", "torch", "lenet-opset17.onnx")
	m, err := onnx.ReadFile(file, onnx.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	g, err := importer.Build(m, importer.Options{Source: file})
	if err != nil {
		t.Fatal(err)
	}
	importer.Optimize(g)
	pl, err := importer.Lower(g)
	if err != nil {
		t.Fatal(err)
	}
	out, err := importer.GenerateWasm(pl)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wasmPath, wPath := filepath.Join(dir, "model.wasm"), filepath.Join(dir, "model.bin")
	if err := os.WriteFile(wasmPath, out.Module, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wPath, out.Weights, 0o644); err != nil {
		t.Fatal(err)
	}
	e := &env{o: &options{repo: repo, work: dir, quick: true}}
	r, err := e.edgeTimes(ctx, wasmPath, wPath, out.Module, out.Weights)
	if err != nil {
		if strings.Contains(err.Error(), "no native kernels") {
			t.Skip("this CPU has no AVX2")
		}
		t.Fatal(err)
	}
	if !native.Available() && simdSelf.path == "" {
		t.Fatal("the bench has no native kernels, yet edgeTimes built no GOEXPERIMENT=simd bench")
	}
	if len(r.Ms) < 10 {
		t.Fatalf("%d calls timed, want at least 10", len(r.Ms))
	}
	rm, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{Uninterruptible: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close(ctx)
	in := make([]float32, rm.InputLen())
	for i := range in {
		in[i] = inputValue(i)
	}
	want, err := rm.Predict(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Out) != len(want) {
		t.Fatalf("%d outputs, wazero %d", len(r.Out), len(want))
	}
	for i := range want {
		if r.Out[i] != math.Float32bits(want[i]) {
			t.Fatalf("output %d: %v natively, %v under wazero", i, math.Float32frombits(r.Out[i]), want[i])
		}
	}
}
