package project

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompileGateRefusesDamage: Compile with one layer's int8 scales
// damaged fails with a GateError that names that layer, and New is never
// reached (nothing written); the undamaged import passes with its figures.
func TestCompileGateRefusesDamage(t *testing.T) {
	model := filepath.Join("..", "..", "testdata", "onnx", "torch", "lenet-opset17.onnx")
	const layer = "/classifier/classifier.1/Gemm"
	_, err := Compile(Options{Model: model, Quantize: "int8", damageLayer: layer, damageFactor: 4})
	var ge *GateError
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v, want a *GateError", err)
	}
	if !strings.Contains(err.Error(), `worst layer: Gemm "`+layer+`"`) || !strings.HasPrefix(err.Error(), "lenet-opset17.onnx: ") {
		t.Errorf("message: %v", err)
	}
	c, err := Compile(Options{Model: model, Quantize: "int8"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Quant == nil || c.Quant.WeightsAfter != len(c.Out.Weights) || c.Quant.WeightsBefore <= 3*c.Quant.WeightsAfter || c.Quant.Agreement < 0.99 {
		t.Errorf("report %+v", c.Quant)
	}
}

// TestReadCalibration: files in name order, several samples per file,
// and the errors that name the file and the rule.
func TestReadCalibration(t *testing.T) {
	model := filepath.Join("..", "..", "testdata", "onnx", "torch", "lenet-opset17.onnx")
	dir := t.TempDir()
	in, err := os.ReadFile(filepath.Join("..", "..", "testdata", "onnx", "torch", "lenet.input.npy"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "b.npy"), in, 0o644)
	os.WriteFile(filepath.Join(dir, "a.npy"), in, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	c, err := Compile(Options{Model: model, Quantize: "fp16", Calibrate: dir})
	if err != nil {
		t.Fatal(err)
	}
	if c.Quant.Samples != 2 {
		t.Errorf("%d samples, want 2", c.Quant.Samples)
	}
	bad := filepath.Join(dir, "c.npy")
	os.WriteFile(bad, in[:len(in)-4], 0o644)
	if _, err := Compile(Options{Model: model, Quantize: "fp16", Calibrate: dir}); err == nil || !strings.Contains(err.Error(), "c.npy") {
		t.Errorf("truncated file: %v", err)
	}
	os.Remove(bad)
	empty := t.TempDir()
	if _, err := Compile(Options{Model: model, Quantize: "int8", Calibrate: empty}); err == nil || !strings.Contains(err.Error(), "no .npy files") {
		t.Errorf("empty folder: %v", err)
	}
}
