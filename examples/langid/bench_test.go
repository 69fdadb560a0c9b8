package langid_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/runner"
)

// BenchmarkWazeroPredict times one word through the packaged
// model-<h8>.wasm under wazero (compiled without the interrupt checks, as
// bench/ runs models), per kernel variant: ns/op is one word; cpu-ns/op is the CPU time per
// word, steadier than the wall clock on a loaded machine.
func BenchmarkWazeroPredict(b *testing.B) {
	v, _ := loadVocab(b)
	dir := packaged(b)
	m, _ := filepath.Glob(filepath.Join(dir, "model-*.wasm"))
	if len(m) != 1 {
		b.Fatalf("%s has %d model-*.wasm files, want 1", dir, len(m))
	}
	wasm, err := os.ReadFile(m[0])
	if err != nil {
		b.Fatal(err)
	}
	weights, err := os.ReadFile("weights/model.bin")
	if err != nil {
		b.Fatal(err)
	}
	ids, mask := v.Encode("sprachwissenschaft")
	in := make([]float32, 2*v.MaxLen)
	for i := range ids {
		in[i], in[v.MaxLen+i] = float32(ids[i]), float32(mask[i])
	}
	for _, variant := range modules.Variants {
		b.Run(string(variant), func(b *testing.B) {
			ctx := context.Background()
			model, err := runner.Load(ctx, wasm, weights, runner.Options{Variant: variant, Uninterruptible: true})
			if err != nil {
				b.Fatal(err)
			}
			defer model.Close(ctx)
			c := cpuTime()
			for b.Loop() {
				if _, err := model.Predict(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-c).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}
