package validate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRunCache: with a weights key, a second validation of the same model,
// weights, budget and targets takes the measured run from the cache; a
// change of any of them, or a run that found a problem, runs again.
func TestRunCache(t *testing.T) {
	w := filepath.Join(t.TempDir(), "w.bin")
	if err := os.WriteFile(w, float32s(27), 0o644); err != nil {
		t.Fatal(err)
	}
	model := goModel(t, "fits")
	cache := t.TempDir()
	cached := func(r *Report) bool {
		return slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "measured run taken from the cache") })
	}
	o := Options{Targets: defaultTargets, MemoryBudget: 64 << 20, Weights: w, CacheDir: cache, WeightsKey: "k1"}
	first := validateFile(t, model, o)
	if !first.OK || cached(first) {
		t.Fatalf("first run: ok %v, cached %v, problems %+v", first.OK, cached(first), first.Problems)
	}
	second := validateFile(t, model, o)
	if !second.OK || !cached(second) || *second.Memory.PeakBytes != *first.Memory.PeakBytes {
		t.Fatalf("second run: ok %v, cached %v, peak %v vs %v", second.OK, cached(second), *second.Memory.PeakBytes, *first.Memory.PeakBytes)
	}
	for name, change := range map[string]func(*Options){
		"weights":  func(o *Options) { o.WeightsKey = "k2" },
		"budget":   func(o *Options) { o.MemoryBudget = 32 << 20 },
		"targets":  func(o *Options) { o.Targets = []string{"chrome120"} },
		"time":     func(o *Options) { o.TimeLimit = time.Minute },
		"no key":   func(o *Options) { o.WeightsKey = "" },
		"no cache": func(o *Options) { o.CacheDir = "off" },
	} {
		o2 := o
		change(&o2)
		if r := validateFile(t, model, o2); cached(r) {
			t.Errorf("%s changed, yet the run came from the cache", name)
		}
	}
	// A kernel module that changed (a new pwagen with faster or fixed
	// kernels) runs again, whichever module it is.
	orig := kernelModules
	t.Cleanup(func() { kernelModules = orig })
	for i := range orig() {
		kernelModules = func() [][]byte {
			ms := orig()
			ms[i] = append(slices.Clone(ms[i]), 0) // one byte more
			return ms
		}
		if r := validateFile(t, model, o); cached(r) {
			t.Errorf("kernel module %d changed, yet the run came from the cache", i)
		}
	}
	kernelModules = orig
	tight := o
	tight.MemoryBudget = 2 << 20 // below what the model declares: a problem, never cached
	validateFile(t, model, tight)
	if r := validateFile(t, model, tight); cached(r) || r.OK {
		t.Errorf("a failing run was cached or passed: ok %v", r.OK)
	}
}
