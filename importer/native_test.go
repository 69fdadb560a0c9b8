package importer

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/kernels/native"
	"github.com/pwagen/pwagen/runner"
)

// TestNativeKernelsOnFixtures: each torch fixture the WebAssembly back end
// compiles answers the same bits with the native kernels (what the edge
// executable runs on amd64 with AVX2) as with the SIMD kernel module (what
// the browser and pwagen predict run), on the fixture's input and on
// random ones. It runs in builds with GOEXPERIMENT=simd on AVX2 machines.
func TestNativeKernelsOnFixtures(t *testing.T) {
	if !native.Available() {
		t.Skip("the native kernels need an amd64 build with GOEXPERIMENT=simd and a CPU with AVX2")
	}
	ctx := context.Background()
	for _, f := range torchFixtures(t) {
		if !contains(wasmFixtures, f.Name) {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			out, err := GenerateWasm(importTorch(t, f.Opsets["17"].File))
			if err != nil {
				t.Fatal(err)
			}
			var in []float32
			for _, x := range f.Inputs {
				a, err := npy.ReadFile(filepath.Join(torchDir, x.File), 1<<30)
				if err != nil {
					t.Fatal(err)
				}
				in = append(in, a.Float32()...)
			}
			var ms [2]*runner.Model
			for i := range ms {
				m, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{Native: i == 0, Uninterruptible: true})
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close(ctx)
				ms[i] = m
			}
			if got := ms[0].Kernels(); got != native.Variant {
				t.Fatalf("Options.Native loaded %q kernels, want %q", got, native.Variant)
			}
			r := rand.New(rand.NewPCG(1, 2))
			for trial := range 3 {
				x := in
				if trial > 0 && f.Inputs[0].DType == "float32" && len(f.Inputs) == 1 {
					x = make([]float32, len(in))
					for i := range x {
						x[i] = float32(r.NormFloat64())
					}
				}
				a, err1 := ms[0].Predict(ctx, x)
				b, err2 := ms[1].Predict(ctx, x)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if len(a) != len(b) {
					t.Fatalf("%d outputs natively, %d with the SIMD module", len(a), len(b))
				}
				for i := range a {
					if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
						t.Fatalf("input %d, output %d: %v natively, %v with the SIMD module", trial, i, a[i], b[i])
					}
				}
			}
		})
	}
}

// BenchmarkNativeFixtures times one predict of each torch fixture with the
// native kernels and with the SIMD module under wazero, taking turns call
// by call, by the thread's CPU time (the wall clock is noise on a shared
// machine): native-µs and simd-µs are the fastest call of each, and
// native/simd their ratio (-run ^$ -bench NativeFixtures; with
// GOEXPERIMENT=simd, else there is no native row).
func BenchmarkNativeFixtures(b *testing.B) {
	ctx := context.Background()
	for _, f := range torchFixtures(b) {
		if !contains(wasmFixtures, f.Name) {
			continue
		}
		out, err := GenerateWasm(importTorch(b, f.Opsets["17"].File))
		if err != nil {
			b.Fatal(err)
		}
		var in []float32
		for _, x := range f.Inputs {
			a, err := npy.ReadFile(filepath.Join(torchDir, x.File), 1<<30)
			if err != nil {
				b.Fatal(err)
			}
			in = append(in, a.Float32()...)
		}
		var ms []*runner.Model
		for _, nat := range []bool{true, false} {
			if nat && !native.Available() {
				continue
			}
			m, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{Native: nat, Uninterruptible: true})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close(ctx)
			ms = append(ms, m)
		}
		b.Run(f.Name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			best := make([]int64, len(ms))
			for b.Loop() {
				for i, m := range ms {
					t := threadCPU()
					if _, err := m.Predict(ctx, in); err != nil {
						b.Fatal(err)
					}
					if d := threadCPU() - t; best[i] == 0 || d < best[i] {
						best[i] = d
					}
				}
			}
			for i, m := range ms {
				b.ReportMetric(float64(best[i])/1000, m.Kernels()+"-µs")
			}
			if len(ms) == 2 {
				b.ReportMetric(float64(best[0])/float64(best[1]), "native/simd")
			}
		})
	}
}
