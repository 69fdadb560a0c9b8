package importer

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/pwagen/pwagen/kernels/native"
	"github.com/pwagen/pwagen/onnx"
	"github.com/pwagen/pwagen/runner"
)

// BenchmarkEdgeProfile runs the edge executable's runner (wazero with the
// native kernels, Uninterruptible) in a loop on the models the bench
// compares with onnxruntime-node, for a CPU profile by kernel:
//
//	GOEXPERIMENT=simd go test ./importer -run '^$' -bench EdgeProfile/audio1d -cpuprofile cpu.out
//
// The wake-word model is read from $PWAGEN_WAKEWORD (openWakeWord's
// embedding_model.onnx) when set. best-cpu-µs is the fastest call by the
// thread's CPU time (the wall clock is noise on a shared machine),
// median-µs the median call by the wall clock.
func BenchmarkEdgeProfile(b *testing.B) {
	if !native.Available() {
		b.Skip("the native kernels need an amd64 build with GOEXPERIMENT=simd and a CPU with AVX2")
	}
	ctx := context.Background()
	type model struct {
		name, file string
		shapes     map[string][]int
	}
	var ms []model
	for _, n := range []string{"lenet", "cifar_cnn", "cifar_cnn_bn", "mobilenetv2", "audio1d", "transformer_gelu", "ops_zoo"} {
		ms = append(ms, model{n, filepath.Join(torchDir, n+"-opset17.onnx"), nil})
	}
	if ww := os.Getenv("PWAGEN_WAKEWORD"); ww != "" {
		ms = append(ms, model{"wakeword", ww, map[string][]int{"input_1": {1, 76, 32, 1}}})
	}
	for _, f := range ms {
		b.Run(f.name, func(b *testing.B) {
			m, err := onnx.ReadFile(f.file, onnx.DefaultLimits())
			if err != nil {
				b.Fatal(err)
			}
			g, err := Build(m, Options{Source: f.file, Shapes: f.shapes})
			if err != nil {
				b.Fatal(err)
			}
			Optimize(g)
			pl, err := Lower(g)
			if err != nil {
				b.Fatal(err)
			}
			out, err := GenerateWasm(pl)
			if err != nil {
				b.Fatal(err)
			}
			rm, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{Native: true, Uninterruptible: true})
			if err != nil {
				b.Fatal(err)
			}
			defer rm.Close(ctx)
			in := make([]float32, rm.InputLen())
			for i := range in {
				in[i] = float32(i%7+1) / 7 // the bench's input
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var best int64
			var wall []float64
			for b.Loop() {
				t, w := threadCPU(), time.Now()
				if _, err := rm.Predict(ctx, in); err != nil {
					b.Fatal(err)
				}
				wall = append(wall, float64(time.Since(w).Nanoseconds())/1000)
				if d := threadCPU() - t; best == 0 || d < best {
					best = d
				}
			}
			slices.Sort(wall)
			b.ReportMetric(float64(best)/1000, "best-cpu-µs")
			b.ReportMetric(wall[len(wall)/2], "median-µs")
		})
	}
}

// TestNativeModelsMatchSIMD: the ONNX fixtures the bench compares with
// onnxruntime-node answer the same bits with the native kernels (direct
// convolutions, padded pools) as with the SIMD kernel module under
// wazero, on the bench's input and on one with zeros, −0 and a large
// value mixed in. The wake-word model is read from $PWAGEN_WAKEWORD when
// set.
func TestNativeModelsMatchSIMD(t *testing.T) {
	if !native.Available() {
		t.Skip("the native kernels need an amd64 build with GOEXPERIMENT=simd and a CPU with AVX2")
	}
	ctx := context.Background()
	files := map[string]string{}
	shapes := map[string]map[string][]int{}
	for _, n := range []string{"lenet", "cifar_cnn", "cifar_cnn_bn", "mobilenetv2", "audio1d", "ops_zoo"} {
		files[n] = filepath.Join(torchDir, n+"-opset17.onnx")
	}
	if ww := os.Getenv("PWAGEN_WAKEWORD"); ww != "" {
		files["wakeword"], shapes["wakeword"] = ww, map[string][]int{"input_1": {1, 76, 32, 1}}
	}
	for name, file := range files {
		t.Run(name, func(t *testing.T) {
			m, err := onnx.ReadFile(file, onnx.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			g, err := Build(m, Options{Source: file, Shapes: shapes[name]})
			if err != nil {
				t.Fatal(err)
			}
			Optimize(g)
			pl, err := Lower(g)
			if err != nil {
				t.Fatal(err)
			}
			out, err := GenerateWasm(pl)
			if err != nil {
				t.Fatal(err)
			}
			var rms [2]*runner.Model
			for i, nat := range []bool{true, false} {
				if rms[i], err = runner.Load(ctx, out.Module, out.Weights, runner.Options{Native: nat}); err != nil {
					t.Fatal(err)
				}
				defer rms[i].Close(ctx)
			}
			for trial := range 2 {
				in := make([]float32, rms[0].InputLen())
				for i := range in {
					in[i] = float32(i%7+1) / 7
					if trial == 1 {
						in[i] = []float32{0, float32(math.Copysign(0, -1)), 3e4, -1.5, float32(i%13) / 13}[i%5]
					}
				}
				// Twice each: the second call reuses the first's scratch.
				for range 2 {
					got, err := rms[0].Predict(ctx, in)
					if err != nil {
						t.Fatal(err)
					}
					want, err := rms[1].Predict(ctx, in)
					if err != nil {
						t.Fatal(err)
					}
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
							t.Fatalf("input %d: output %d is %v natively, %v in the SIMD module", trial, i, got[i], want[i])
						}
					}
				}
			}
		})
	}
}
