package main

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
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
				window.model = m;
				const x = new Float32Array(` + string(inJS) + `);
				const out = await m.predict(x);
				return { out: Array.from(out), variant: m.info.variant };
			})`
			type result struct {
				Out     []float64 `json:"out"`
				Variant string    `json:"variant"`
			}
			dirs := map[string]string{}
			wzOuts := map[string][]float32{}
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
				wzOuts[mode] = wzOut.Float32()
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
				// Offline once the loader says the offline copy is whole.
				browsertest.Eval[bool](t, ctx, `model.offlineReady.then(() => true)`)
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
			// The model alone: through the loader a call of mlp or lenet is
			// mostly the round trip to the worker, and its spread hides the
			// model's few microseconds.
			d := directTimes(t, in.Float32(), map[string][]float32{"f": wzOuts["none"], "q": wzOuts["int8"]}, dirs["none"], dirs["int8"])
			t.Logf("%s in Chromium (SIMD), direct calls to both models in one page, %d rounds of 60 blocks of %d calls of each in turn: float32 %.2f µs, int8 %.2f µs by the median blocks (fastest blocks %.2f and %.2f µs), int8/float32 = %.2f by the median blocks, %.2f by the fastest blocks, %.2f by the median of the rounds' ratios (quartiles %.2f–%.2f) (load average %s)",
				name, d.rounds, d.reps, d.median[0], d.median[1], d.best[0], d.best[1], d.median[1]/d.median[0], d.best[1]/d.best[0], d.ratio, d.q1, d.q3, loadAvg())
		})
	}
}

// directTiming is directTimes' answer: µs per call, float32 then int8.
type directTiming struct {
	best, median  [2]float64 // the fastest and the median block
	rounds, reps  int
	ratio, q1, q3 float64 // median and quartiles of the rounds' int8/float32 ratios (of their median blocks)
}

// median of s (which it sorts).
func median(s []float64) float64 {
	slices.Sort(s)
	n := len(s)
	return (s[(n-1)/2] + s[n/2]) / 2
}

// directTimes instantiates the float32 package's model and the int8
// package's model (each its .wasm, weights and SIMD kernels, linked as
// the loader links them: browsertest.ModelPageJS) in one page and times
// direct calls taking turns: 30 rounds, each 60 blocks of each model in turn (the first
// alternated), a block the same number of calls, about 0.5 ms of the
// float32 model, so that whatever else the machine runs falls on both
// alike. Each model's direct answer must equal wazero's
// (want, by key "f" and "q").
func directTimes(t *testing.T, in []float32, want map[string][]float32, fDir, qDir string) directTiming {
	t.Helper()
	root := t.TempDir()
	files := func(key, dir string) {
		sub := filepath.Join(root, key)
		kern := filepath.Join(dir, "dist", "kernels")
		for dst, src := range map[string]string{
			"model.wasm":     filepath.Join(dir, "model", "model.wasm"),
			"weights.bin":    filepath.Join(dir, "weights", "model.bin"),
			"forwarder.wasm": globOne(t, filepath.Join(kern, "forwarder-*.wasm")),
			"simd.wasm":      globOne(t, filepath.Join(kern, "simd-*.wasm")),
		} {
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(sub, dst), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files("f", fDir)
	files("q", qDir)
	if err := os.WriteFile(filepath.Join(root, "index.html"), []byte("<!doctype html><title>direct</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Cross-origin isolated, so that performance.now() ticks every 5 µs
	// rather than 100 µs.
	static := browsertest.Static(root)
	url, _ := browsertest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		static.ServeHTTP(w, r)
	}))
	ctx := browsertest.New(t, chromedp.Flag("js-flags", "--no-liftoff"))
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.Eval[bool](t, ctx, browsertest.ModelPageJS)
	inJS, _ := json.Marshal(in)
	type answer struct {
		Outs     map[string][]float64 `json:"outs"`
		Reps     int                  `json:"reps"`
		Rounds   [][2][]float64       `json:"rounds"`
		Isolated bool                 `json:"isolated"`
	}
	r := browsertest.Eval[answer](t, ctx, `(async () => {
		const at = (k) => __pw.model('/' + k + '/model.wasm', '/' + k + '/forwarder.wasm', '/' + k + '/simd.wasm', '/' + k + '/weights.bin');
		const ms = [await at('f'), await at('q')];
		const x = new Float32Array(`+string(inJS)+`);
		const outs = { f: Array.from(ms[0].predict(x)), q: Array.from(ms[1].predict(x)) };
		// Warm up (V8 without Liftoff compiles optimised code at once; this
		// settles the page and the caches), then size a block: about 0.5 ms
		// of the float32 model.
		let t0 = performance.now();
		while (performance.now() - t0 < 1000) { ms[0].predict(x); ms[1].predict(x); }
		// (the fastest of 20 tries: a try that another program preempted
		// would make the blocks too short).
		let per = Infinity;
		for (let s = 0; s < 20; s++) {
			let n = 0;
			t0 = performance.now();
			do { ms[0].predict(x); n++; } while (performance.now() - t0 < 0.5);
			per = Math.min(per, (performance.now() - t0) / n);
		}
		const reps = Math.max(1, Math.round(0.5 / per));
		// rounds[r][k][b]: µs per call in block b of round r, model k.
		const rounds = [];
		for (let r = 0; r < 30; r++) {
			const times = [[], []];
			for (let b = 0; b < 60; b++) {
				for (let j = 0; j < 2; j++) {
					const k = (j + b + r) % 2, m = ms[k];
					const t1 = performance.now();
					for (let i = 0; i < reps; i++) m.predict(x);
					times[k].push(((performance.now() - t1) * 1000) / reps);
				}
			}
			rounds.push(times);
		}
		return { outs, reps, rounds, isolated: crossOriginIsolated };
	})()`)
	sameAnswers(t, "float32 direct", r.Outs["f"], want["f"])
	sameAnswers(t, "int8 direct", r.Outs["q"], want["q"])
	if !r.Isolated {
		t.Error("the direct-call page is not cross-origin isolated: performance.now() ticks every 100 µs")
	}
	// A block that another program preempted takes many times its length:
	// the median block of each model (per round, and over all rounds) is
	// what the model costs, the fastest block what it costs undisturbed.
	d := directTiming{reps: r.Reps, best: [2]float64{math.Inf(1), math.Inf(1)}}
	var all [2][]float64
	ratios := make([]float64, len(r.Rounds))
	for i, rt := range r.Rounds {
		for k := range 2 {
			all[k] = append(all[k], rt[k]...)
			d.best[k] = math.Min(d.best[k], slices.Min(rt[k]))
		}
		ratios[i] = median(rt[1]) / median(rt[0])
	}
	d.rounds = len(r.Rounds)
	d.median = [2]float64{median(all[0]), median(all[1])}
	slices.Sort(ratios)
	n := len(ratios)
	d.ratio, d.q1, d.q3 = median(ratios), ratios[n/4], ratios[3*n/4]
	return d
}

// globOne is the one file that matches pattern.
func globOne(t *testing.T, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) != 1 {
		t.Fatalf("%s: want one file, found %v (%v)", pattern, m, err)
	}
	return m[0]
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
