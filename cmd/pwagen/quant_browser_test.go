package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/internal/npy"
)

// TestQuantizedModelsInChromium imports torch CNNs with --quantize int8,
// packages them and runs them in Chromium through the loader (SIMD
// kernels reading the int8 weights in the model's memory), online and
// then offline: the answers equal those of `pwagen predict` (wazero, the
// same SIMD kernels) and keep torch's top-1 class. It logs the time of
// one inference, int8 against float32, the two packages in two tabs of
// one browser taking turns (tabTimes; V8 without Liftoff): timed one
// browser after the other, on a loaded machine, the ratio swung from 0.09
// to 3.5.
func TestQuantizedModelsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("packages models and starts Chromium")
	}
	torch, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "onnx", "torch"))
	for _, name := range []string{"mlp", "lenet", "cifar_cnn", "mobilenetv2"} {
		t.Run(name, func(t *testing.T) {
			input := filepath.Join(torch, name+".input.npy")
			in, err := npy.ReadFile(input, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			torchOut, err := npy.ReadFile(filepath.Join(torch, name+"-opset17.output.npy"), 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			inJS, _ := json.Marshal(in.Float32())
			predict := `import('./pwagen.js').then(async ({ loadModel }) => {
				const m = await loadModel();
				const x = new Float32Array(` + string(inJS) + `);
				const out = await m.predict(x);
				return { out: Array.from(out), variant: m.info.variant };
			})`
			type result struct {
				Out     []float64 `json:"out"`
				Variant string    `json:"variant"`
			}
			dirs := map[string]string{}
			for _, mode := range []string{"none", "int8"} {
				dir := filepath.Join(t.TempDir(), name+"-"+mode)
				dirs[mode] = dir
				pwagen(t, "new", "--from", filepath.Join(torch, name+"-opset17.onnx"), "--quantize", mode, dir)
				if _, err := os.Stat(filepath.Join(dir, "model", "model.wasm")); err != nil {
					t.Fatalf("%s: the WebAssembly back end was not taken: %v", mode, err)
				}
				pwagen(t, "package", "--quiet", dir)
				wz := filepath.Join(t.TempDir(), "out.npy")
				pwagen(t, "predict", dir, "--input", input, "--output", wz)
				wzOut, err := npy.ReadFile(wz, 1<<30)
				if err != nil {
					t.Fatal(err)
				}
				url, stop := startPreview(t, filepath.Join(dir, "dist"))
				// Optimised code from the first call, as kernels/modules' browser
				// benchmarks: the timing compares the kernels, not V8's tiers.
				ctx := browsertest.New(t, chromedp.Flag("js-flags", "--no-liftoff"))
				browsertest.Do(t, ctx, chromedp.Navigate(url))
				r := browsertest.Eval[result](t, ctx, predict)
				if r.Variant != "simd" {
					t.Errorf("%s: variant %q, want simd", mode, r.Variant)
				}
				sameAnswers(t, mode+" online", r.Out, wzOut.Float32())
				if a, b := argmax64(r.Out), argmax32(torchOut.Float32()); a != b {
					t.Errorf("%s: top-1 class %d, torch %d", mode, a, b)
				}
				browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, `'no controller'`, 30*time.Second)
				stop()
				browsertest.Do(t, ctx, chromedp.Reload())
				r = browsertest.Eval[result](t, ctx, predict)
				sameAnswers(t, mode+" offline", r.Out, wzOut.Float32())
			}
			// Both take the WebAssembly back end (checked above): the ratio
			// is int8 against float32 on it. The float32 model on the Go
			// back end (--backend go) is timed beside them for scale.
			goDir := filepath.Join(t.TempDir(), name+"-none-go")
			pwagen(t, "new", "--from", filepath.Join(torch, name+"-opset17.onnx"), "--quantize", "none", "--backend", "go", goDir)
			pwagen(t, "package", "--quiet", goDir)
			ts, rounds := tabTimes(t, string(inJS), filepath.Join(dirs["none"], "dist"), filepath.Join(goDir, "dist"), filepath.Join(dirs["int8"], "dist"))
			f, fg, q := ts[0], ts[1], ts[2]
			ratios := make([]float64, len(rounds))
			for i, r := range rounds {
				ratios[i] = r[2] / r[0]
			}
			slices.Sort(ratios)
			t.Logf("%s in Chromium (SIMD), one inference, three tabs of one browser, rounds interleaved: float32 %.3f ms, int8 %.3f ms, int8/float32 = %.2f by the best rounds, %.2f by the median of the %d rounds' ratios (quartiles %.2f–%.2f) (WebAssembly back end; float32 on the Go back end %.3f ms) (load average %s)",
				name, f, q, q/f, ratios[len(ratios)/2], len(ratios), ratios[len(ratios)/4], ratios[3*len(ratios)/4], fg, loadAvg())
		})
	}
}

// tabTimes serves packages of the same model and times one inference of
// each in its own tab of one Chromium, 20 rounds of 30 inferences taking
// turns, the order rotated each round (so all see the same load): the
// best round of each, and each round's times (a ratio within a round is
// steadier on a busy machine than a ratio of bests).
func tabTimes(t *testing.T, inJS string, dists ...string) (best []float64, rounds [][]float64) {
	t.Helper()
	setup := `import('./pwagen.js').then(async ({ loadModel }) => {
		window.m = await loadModel();
		window.x = new Float32Array(` + inJS + `);
		for (let i = 0; i < 30; i++) await m.predict(x); // warm up
		return true;
	})`
	round := `(async () => {
		const t0 = performance.now();
		for (let i = 0; i < 30; i++) await m.predict(x);
		return (performance.now() - t0) / 30;
	})()`
	var ctxs []context.Context
	var root context.Context
	for _, d := range dists {
		url, _ := startPreview(t, d)
		var ctx context.Context
		if root == nil {
			ctx = browsertest.New(t, chromedp.Flag("js-flags", "--no-liftoff"))
			root = ctx
		} else {
			c, cancel := chromedp.NewContext(root)
			t.Cleanup(cancel)
			ctx = c
		}
		browsertest.Do(t, ctx, chromedp.Navigate(url))
		browsertest.Eval[bool](t, ctx, setup)
		ctxs = append(ctxs, ctx)
	}
	best = make([]float64, len(dists))
	for i := range best {
		best[i] = math.Inf(1)
	}
	// The tab that runs is brought to the front first: Chromium lowers the
	// priority of a background tab's renderer.
	for r := range 20 {
		times := make([]float64, len(ctxs))
		for j := range ctxs {
			k := (j + r) % len(ctxs)
			if _, err := chromedp.Call(ctxs[k], page.BringToFront, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
			times[k] = browsertest.Eval[float64](t, ctxs[k], round)
			best[k] = math.Min(best[k], times[k])
		}
		rounds = append(rounds, times)
	}
	return best, rounds
}

// loadAvg is the 1-minute load average, for the log ("?" off Linux).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// sameAnswers: Chromium and wazero run the same kernels on the same
// bits, so the answers are equal (1e-6 of their scale allows for nothing
// but printing).
func sameAnswers(t *testing.T, what string, got []float64, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, wazero %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	for i := range got {
		if d := math.Abs(got[i] - float64(want[i])); !(d <= 1e-6*scale) {
			t.Fatalf("%s: value %d is %g, wazero says %g", what, i, got[i], want[i])
		}
	}
}

func argmax64(s []float64) int {
	b := 0
	for i, v := range s {
		if v > s[b] {
			b = i
		}
	}
	return b
}

func argmax32(s []float32) int {
	b := 0
	for i, v := range s {
		if v > s[b] {
			b = i
		}
	}
	return b
}
