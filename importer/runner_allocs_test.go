package importer

import (
	"context"
	"runtime"
	"testing"

	"github.com/pwagen/pwagen/runner"
)

// TestRunnerPredictAllocs: runner's Predict writes the input into the
// model's memory in place and calls the exports through a stack kept
// for the model: under 1 KB allocated per call, not a copy of the input
// (12 KB for cifar_cnn, cleared and copied on every call before).
func TestRunnerPredictAllocs(t *testing.T) {
	ctx := context.Background()
	out, err := GenerateWasm(importTorch(t, "cifar_cnn-opset17.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	rm, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{Uninterruptible: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close(ctx)
	in := make([]float32, rm.InputLen())
	for i := range in {
		in[i] = float32(i%7+1) / 7
	}
	want, err := rm.Predict(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var got []float32
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const calls = 20
	for range calls {
		got, _ = rm.Predict(ctx, in)
	}
	runtime.ReadMemStats(&after)
	if b := (after.TotalAlloc - before.TotalAlloc) / calls; b >= 1024 {
		t.Errorf("Predict allocates %d bytes a call, want < 1 KB (the input is %d bytes)", b, 4*len(in))
	}
	if len(got) != len(want) {
		t.Fatalf("%d outputs, then %d", len(want), len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("output %d: %v, then %v", i, want[i], got[i])
		}
	}
}
