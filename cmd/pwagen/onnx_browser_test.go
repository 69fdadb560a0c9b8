package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/internal/npy"
)

// TestImportedModelsInChromium imports torch exports with pwagen new
// --from, packages them, and runs them in Chromium through the loader (the
// Web Worker, the SIMD kernels, the weights from IndexedDB): the outputs
// match torch's within 1e-4 of their scale, online and then offline.
// new --from picks the back end (backend = "auto"): all three run as the
// wasm back end's module, without the Go runtime.
func TestImportedModelsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("packages models and starts Chromium")
	}
	torch, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "onnx", "torch"))
	for _, name := range []string{"lenet", "mobilenetv2", "audio1d"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			pwagen(t, "new", "--from", filepath.Join(torch, name+"-opset17.onnx"), dir)
			pwagen(t, "package", "--quiet", dir)
			mods, _ := filepath.Glob(filepath.Join(dir, "dist", "model-*.wasm"))
			if len(mods) != 1 {
				t.Fatalf("dist has model modules %v, want one", mods)
			}
			fi, err := os.Stat(mods[0])
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() > 64<<10 {
				t.Errorf("the model module is %d bytes; want under 64 KiB (the wasm back end's)", fi.Size())
			}
			in, err := npy.ReadFile(filepath.Join(torch, name+".input.npy"), 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			want, err := npy.ReadFile(filepath.Join(torch, name+"-opset17.output.npy"), 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			inJS, _ := json.Marshal(in.Float32())
			url, stop := startPreview(t, filepath.Join(dir, "dist"))
			ctx := browsertest.New(t)
			browsertest.Do(t, ctx, chromedp.Navigate(url))
			predict := `import('./pwagen.js').then(async ({ loadModel }) => {
				const m = await loadModel();
				const out = await m.predict(new Float32Array(` + string(inJS) + `));
				return { out: Array.from(out), variant: m.info.variant };
			})`
			type result struct {
				Out     []float64 `json:"out"`
				Variant string    `json:"variant"`
			}
			r := browsertest.Eval[result](t, ctx, predict)
			checkClose(t, "online", r.Out, want.Float32())
			if r.Variant != "simd" {
				t.Errorf("variant %q, want simd (the SIMD kernels)", r.Variant)
			}
			// Offline: the service worker serves the app, IndexedDB the weights.
			browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, `'no controller'`, 30*time.Second)
			stop()
			browsertest.Do(t, ctx, chromedp.Reload())
			r = browsertest.Eval[result](t, ctx, predict)
			checkClose(t, "offline", r.Out, want.Float32())
		})
	}
}

func checkClose(t *testing.T, what string, got []float64, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	for i := range got {
		if d := math.Abs(got[i] - float64(want[i])); !(d <= 1e-4*scale) {
			t.Fatalf("%s: value %d is %g, torch says %g (the bar is 1e-4 of %g)", what, i, got[i], want[i], scale)
		}
	}
}
