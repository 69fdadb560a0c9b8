package importer

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/onnx"
)

// torchDir holds models exported by Debian's torch, with inputs and torch's
// outputs (testdata/onnx/torch/export.py made them).
const torchDir = "../testdata/onnx/torch"

type torchFixture struct {
	Name   string `json:"name"`
	Inputs []struct {
		Name  string `json:"name"`
		File  string `json:"file"`
		DType string `json:"dtype"`
	} `json:"inputs"`
	Opsets map[string]struct {
		File    string   `json:"file"`
		Outputs []string `json:"outputs"`
	} `json:"opsets"`
}

func torchFixtures(t testing.TB) []torchFixture {
	b, err := os.ReadFile(filepath.Join(torchDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Fixtures []torchFixture `json:"fixtures"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Fixtures
}

// importTorch imports a fixture's .onnx into a plan.
func importTorch(t testing.TB, file string) *Plan {
	t.Helper()
	m, err := onnx.ReadFile(filepath.Join(torchDir, file), onnx.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	g, err := Build(m, Options{Source: file})
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

// closeTo checks got against want within tol of want's scale (its largest
// magnitude), the bar issue 13 sets (1e-4).
func closeTo(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	worst, at := 0.0, 0
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if worst > tol*math.Max(scale, 1e-30) || math.IsNaN(worst) {
		t.Errorf("%s: value %d is %g, torch says %g: off by %.3g, over %g of the output's scale %.3g", what, at, got[at], want[at], worst, tol, scale)
	}
}

// TestTorchFixtures imports every torch export (float images and audio,
// token ids and masks) and runs it in-process: the outputs match torch's
// within 1e-4 of their scale.
func TestTorchFixtures(t *testing.T) {
	for _, f := range torchFixtures(t) {
		for opset, o := range f.Opsets {
			t.Run(f.Name+"-opset"+opset, func(t *testing.T) {
				pl := importTorch(t, o.File)
				var ins [][]float32
				for _, in := range f.Inputs {
					a, err := npy.ReadFile(filepath.Join(torchDir, in.File), 1<<30)
					if err != nil {
						t.Fatal(err)
					}
					ins = append(ins, a.Float32())
				}
				outs, err := pl.Exec(ins...)
				if err != nil {
					t.Fatal(err)
				}
				for i, file := range o.Outputs {
					a, err := npy.ReadFile(filepath.Join(torchDir, file), 1<<30)
					if err != nil {
						t.Fatal(err)
					}
					closeTo(t, file, outs[i], a.Float32(), 1e-4)
				}
			})
		}
	}
}
