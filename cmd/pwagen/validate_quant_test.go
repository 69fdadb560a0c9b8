package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/quantref"
)

// TestValidateQuantGate: pwagen validate of a quantized import runs the
// quantized model on the calibration inputs the import kept and compares
// it with the float model's answers; a project whose quantized model has
// drifted from them (here: references damaged so the float answers
// differ) fails with exit 1 and says which figure, by how much.
func TestValidateQuantGate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the model with the Go toolchain")
	}
	proj := filepath.Join(t.TempDir(), "q8")
	mustRun(t, "new", "--from", filepath.Join("..", "..", "testdata", "onnx", "torch", "lenet-opset17.onnx"), "--quantize", "int8", proj)
	refPath := filepath.Join(proj, filepath.FromSlash(quantref.Path))
	good, err := os.ReadFile(refPath)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"pwagen", "validate", "--json", proj}, &stdout, &stderr); code != 0 {
		t.Fatalf("validate of the quantized import: exit %d\n%s%s", code, &stdout, &stderr)
	}
	var rep struct {
		Quantization *struct {
			Mode          string
			Samples       int
			WeightsBefore int64   `json:"weights_before_bytes"`
			WeightsAfter  int64   `json:"weights_after_bytes"`
			MaxError      float64 `json:"max_error"`
			MeanError     float64 `json:"mean_error"`
			Agreement     float64 `json:"top1_agreement"`
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || rep.Quantization == nil {
		t.Fatalf("validate --json has no quantization: %v\n%s", err, &stdout)
	}
	q := rep.Quantization
	if q.Mode != "int8" || q.Samples != 32 || q.WeightsAfter*3 > q.WeightsBefore || q.MaxError <= 0 || q.MaxError > 0.1 || q.MeanError <= 0 || q.Agreement != 1 {
		t.Errorf("quantization figures: %+v", *q)
	}

	for _, tc := range []struct {
		name   string
		damage func(s *quantref.Sample)
		want   string
	}{
		{"top-1 changed", func(s *quantref.Sample) {
			o := s.Outputs[0]
			for i := range o {
				o[i] = -o[i]
			}
		}, "agrees with the float model's top-1 class on 0.0% of 32 calibration inputs, under [budget] quantized_agreement 99%; at import the worst layer was"},
		{"outputs off", func(s *quantref.Sample) {
			for i := range s.Outputs[0] {
				s.Outputs[0][i] *= 1.5
			}
		}, "the int8 model's largest output error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := quantref.Decode(good)
			if err != nil {
				t.Fatal(err)
			}
			for i := range ref.Samples {
				tc.damage(&ref.Samples[i])
			}
			b, err := quantref.Encode(ref)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(refPath, b, 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"pwagen", "validate", proj}, &stdout, &stderr)
			if code != 1 || !strings.Contains(stdout.String(), "- quantization: ") || !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("exit %d; want 1 and a quantization problem with %q\n%s%s", code, tc.want, &stdout, &stderr)
			}
		})
	}
}
