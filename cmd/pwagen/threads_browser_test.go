package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/internal/npy"
)

// threadsProject imports the torch CIFAR CNN (three convolutions, 10 M
// multiply-adds: its big im2col gemms are split) with isolation, and
// packages it.
func threadsProject(t *testing.T, isolation string) (dist string, in []float32) {
	t.Helper()
	if testing.Short() {
		t.Skip("packages a model and starts Chromium")
	}
	torch, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "onnx", "torch"))
	dir := filepath.Join(t.TempDir(), "cifar")
	pwagen(t, "new", "--from", filepath.Join(torch, "cifar_cnn-opset17.onnx"), dir)
	toml := filepath.Join(dir, "pwagen.toml")
	b, err := os.ReadFile(toml)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `isolation = "none"`, `isolation = "`+isolation+`"`, 1)
	if s == string(b) {
		t.Fatal(`pwagen.toml has no isolation = "none" line to change`)
	}
	if err := os.WriteFile(toml, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	pwagen(t, "package", "--quiet", dir)
	x, err := npy.ReadFile(filepath.Join(torch, "cifar_cnn.input.npy"), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "dist"), x.Float32()
}

// threadsRun is what runVariants returns: each variant's outputs, what
// model.info said, and the warnings the loader gave.
type threadsRun struct {
	Isolated bool                 `json:"isolated"`
	Out      map[string][]float64 `json:"out"`
	Variant  map[string]string    `json:"variant"`
	Threads  map[string]int       `json:"threads"`
	Workers  map[string]int       `json:"workers"`
	Limited  map[string]string    `json:"limitedBy"`
	Warnings []string             `json:"warnings"`
}

// runVariants loads the model three times, by default and forcing simd
// with threadsMinWork 1, which splits every gemm of 8 rows or more, and
// by default with the default threshold ("unsplit": the CIFAR CNN's gemms
// are all below it), and predicts the same input with each (three times,
// so that helpers that joined late and calls after the first also count).
func runVariants(t *testing.T, ctx context.Context, in []float32) threadsRun {
	t.Helper()
	inJS, _ := json.Marshal(in)
	js := `import('./pwagen.js').then(async ({ loadModel }) => {
		const r = { isolated: self.crossOriginIsolated, out: {}, variant: {}, threads: {}, workers: {}, limitedBy: {}, warnings: [] };
		for (const [name, variant, threadsMinWork] of [['default', undefined, 1], ['simd', 'simd', 1], ['unsplit', undefined, undefined]]) {
			const m = await loadModel({ variant, threadsMinWork, onWarning: (w) => r.warnings.push(w) });
			let out;
			for (let i = 0; i < 3; i++) out = await m.predict(new Float32Array(` + string(inJS) + `));
			r.out[name] = Array.from(out);
			r.variant[name] = m.info.variant;
			r.threads[name] = m.info.threads || 1;
			r.workers[name] = m.info.workers;
			r.limitedBy[name] = m.info.pool.limitedBy || '';
			m.dispose();
		}
		return r;
	})`
	return browsertest.Eval[threadsRun](t, ctx, js)
}

// sameBits fails unless the default variant's outputs are simd's, bit for
// bit as float32 (the threads split rows, never sums), and close to torch.
func sameBits(t *testing.T, r threadsRun) {
	t.Helper()
	a, b := r.Out["default"], r.Out["simd"]
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d outputs by default, %d with simd", len(a), len(b))
	}
	for i := range a {
		if math.Float32bits(float32(a[i])) != math.Float32bits(float32(b[i])) {
			t.Fatalf("output %d: %v with %s, %v with simd; want the same bits", i, a[i], r.Variant["default"], b[i])
		}
	}
}

// TestThreadsInChromium: on a cross-origin isolated page, by COOP/COEP
// headers or by the service worker, the loader runs the simd-threads
// kernels with a helper Worker (2 threads on this 2-core machine) and
// gives simd's outputs bit for bit, with no warning; offline too, from
// the service worker's cache.
func TestThreadsInChromium(t *testing.T) {
	for _, isolation := range []string{"headers", "service-worker"} {
		t.Run(isolation, func(t *testing.T) {
			dist, in := threadsProject(t, isolation)
			url, stop := startPreview(t, dist)
			ctx := browsertest.New(t)
			browsertest.Do(t, ctx, chromedp.Navigate(url))
			// The service worker reloads the page once, into isolation.
			browsertest.WaitFor(t, ctx, `self.crossOriginIsolated === true`, `'not isolated'`, 60*time.Second)
			for _, when := range []string{"online", "offline"} {
				if when == "offline" {
					browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, `'no controller'`, 30*time.Second)
					stop()
					browsertest.Eval[bool](t, ctx, `(setTimeout(() => location.reload(), 10), true)`)
					time.Sleep(time.Second)
					browsertest.WaitFor(t, ctx, `document.readyState === 'complete' && self.crossOriginIsolated === true`, `JSON.stringify({state: document.readyState, isolated: self.crossOriginIsolated, url: location.href, body: document.body?.innerText.slice(0, 200)})`, 60*time.Second)
				}
				r := runVariants(t, ctx, in)
				if r.Variant["default"] != "simd-threads" || r.Variant["simd"] != "simd" {
					t.Fatalf("%s: variants %v, want simd-threads by default and simd when forced; warnings %q", when, r.Variant, r.Warnings)
				}
				if r.Threads["default"] < 2 {
					t.Errorf("%s: info.threads = %d, want at least 2 (the model worker and a helper in the kernels' loop)", when, r.Threads["default"])
				}
				// The pool (2 workers asked by default on 2 cores) runs a
				// simd-threads model in one worker, and says so.
				if r.Workers["default"] != 1 || r.Limited["default"] != "simd-threads" {
					t.Errorf("%s: simd-threads: info.workers = %d, info.pool.limitedBy = %q; want 1 and \"simd-threads\"", when, r.Workers["default"], r.Limited["default"])
				}
				// With the default threshold no gemm of this model would be
				// split (the validator measured its biggest, 1.2 M
				// multiply-adds): it runs simd, with the pool's 2 workers.
				if r.Variant["unsplit"] != "simd" || r.Workers["unsplit"] != 2 {
					t.Errorf("%s: by default with the default threshold: variant %q, info.workers %d; want simd and 2", when, r.Variant["unsplit"], r.Workers["unsplit"])
				}
				if len(r.Warnings) > 0 {
					t.Errorf("%s: warnings: %q", when, r.Warnings)
				}
				sameBits(t, r)
			}
		})
	}
}

// TestThreadsFallback: the same package served without COOP/COEP (the
// host lost its headers) runs simd, with a warning that says why.
func TestThreadsFallback(t *testing.T) {
	dist, in := threadsProject(t, "headers")
	url, _ := browsertest.ServePackage(t, dist, "none")
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	r := runVariants(t, ctx, in)
	if r.Isolated {
		t.Fatal("the page is isolated; the test needs it not to be")
	}
	if r.Variant["default"] != "simd" {
		t.Fatalf("variant %q without isolation, want simd", r.Variant["default"])
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "running the simd kernels on one thread: the page is not cross-origin isolated") {
		t.Errorf("warnings %q, want one saying the page is not cross-origin isolated", r.Warnings)
	}
	sameBits(t, r)
	// Forcing simd-threads here is an error that says why.
	msg := browsertest.Eval[string](t, ctx, `import('./pwagen.js').then(({ loadModel }) => loadModel({ variant: 'simd-threads' }).then(() => 'loaded', (e) => e.message))`)
	if !strings.Contains(msg, `variant "simd-threads" asked for, but the page is not cross-origin isolated`) {
		t.Errorf("forcing simd-threads without isolation: %q", msg)
	}
}
