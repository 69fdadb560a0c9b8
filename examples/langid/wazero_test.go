package langid_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/runner"
)

// TestWazeroHeldOut runs the packaged model-<h8>.wasm under wazero with the
// SIMD kernels, through the v1 ABI the page uses today (ids then mask as
// float32 values), on every held-out word: every logit within 1e-4 of
// native (testdata/native.txt) and the same language chosen.
func TestWazeroHeldOut(t *testing.T) {
	v, langs := loadVocab(t)
	native := loadNative(t)
	dir := packaged(t)
	m, _ := filepath.Glob(filepath.Join(dir, "model-*.wasm"))
	if len(m) != 1 {
		t.Fatalf("%s has %d model-*.wasm files, want 1", dir, len(m))
	}
	wasm, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	weights, err := os.ReadFile("weights/model.bin")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	model, err := runner.Load(ctx, wasm, weights, runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close(ctx)
	in := make([]float32, 2*v.MaxLen)
	correct, maxDiff := 0, 0.0
	for _, r := range native {
		ids, mask := v.Encode(r.Word)
		for i := range ids {
			in[i], in[v.MaxLen+i] = float32(ids[i]), float32(mask[i])
		}
		out, err := model.Predict(ctx, in)
		if err != nil {
			t.Fatalf("%q: %v", r.Word, err)
		}
		best := 0
		for k, x := range out {
			maxDiff = max(maxDiff, math.Abs(float64(x)-r.Logits[k]))
			if x > out[best] {
				best = k
			}
		}
		if langs[best].Code != r.Pred {
			t.Errorf("%q: wazero says %s, native %s", r.Word, langs[best].Code, r.Pred)
		}
		if langs[best].Code == r.Code {
			correct++
		}
	}
	t.Logf("wazero (simd): %d of %d held-out words right (%.2f%%); largest logit difference from native %.3g", correct, len(native), 100*float64(correct)/float64(len(native)), maxDiff)
	if maxDiff > 1e-4 {
		t.Errorf("largest logit difference from native %.3g, want at most 1e-4", maxDiff)
	}
}
