package importer

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/runner"
)

// wasmFixtures are the torch exports the wasm back end compiles; the others
// must fall back with a message naming the node (TestWasmUnsupported).
var wasmFixtures = []string{"mlp", "lenet", "lenet_dynbatch", "cifar_cnn", "cifar_cnn_bn", "mobilenetv2"}

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

var _ = errors.As
