package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/packager"
)

// The batch sizes the digits example is timed with.
var digitBatches = [2]int{1, 100}

// digitVariants are the ways the example runs: the package's model with
// each kernel module, and the model built with kernels = false.
var digitVariants = []modules.Variant{modules.SIMD, modules.Scalar, modules.Baseline}

// digitsResult is examples/digits measured: µs per call, indexed like
// digitBatches.
type digitsResult struct {
	native         [2]float64
	wazero         map[modules.Variant][2]float64
	direct, loader map[modules.Variant][2]float64
	// Time to first inference in the app, ms from navigation start, one
	// per run: a fresh profile online, then offline with the server
	// stopped.
	cold, offline []float64
	// iris through the loader and directly, SIMD kernels, µs per call.
	irisDirect, irisLoader float64
	wasmSize               [2]int64 // the model .wasm with kernels and without
}

// digitsMeasured measures examples/digits once per run, for the digits
// and the kernel goals sections.
func (e *env) digitsMeasured(ctx context.Context) (*digitsResult, error) {
	e.digitsOnce.Do(func() { e.digits, e.digitsErr = measureDigits(ctx, e) })
	return e.digits, e.digitsErr
}

func measureDigits(ctx context.Context, e *env) (*digitsResult, error) {
	dir := filepath.Join(e.o.repo, "examples", "digits")
	if !exists(filepath.Join(dir, "pwagen.toml")) {
		return nil, fmt.Errorf("examples/digits is not in this tree")
	}
	cfg, err := config.Load(dir)
	if err != nil {
		return nil, err
	}
	r := &digitsResult{wazero: map[modules.Variant][2]float64{}, direct: map[modules.Variant][2]float64{}, loader: map[modules.Variant][2]float64{}}
	weights := cfg.Rel(cfg.Model.Weights)
	w, err := os.ReadFile(weights)
	if err != nil {
		return nil, err
	}
	wasmK, err := e.wasmTags(ctx, dir, cfg.Model.Package, "")
	if err != nil {
		return nil, err
	}
	wasmB, err := e.wasmTags(ctx, dir, cfg.Model.Package, packager.NoKernelsTag)
	if err != nil {
		return nil, err
	}
	wasmOf := func(v modules.Variant) string {
		if v == modules.Baseline {
			return wasmB
		}
		return wasmK
	}
	for i, p := range []string{wasmK, wasmB} {
		if fi, err := os.Stat(p); err == nil {
			r.wasmSize[i] = fi.Size()
		}
	}

	logf("   digits: native")
	ex := &example{dir: dir, cfg: cfg}
	for i, n := range digitBatches {
		if r.native[i], _, err = nativePredict(ctx, e, ex, weights, n); err != nil {
			return nil, fmt.Errorf("native, batch of %d: %w", n, err)
		}
	}

	logf("   digits: wazero")
	for _, v := range digitVariants {
		b, err := os.ReadFile(wasmOf(v))
		if err != nil {
			return nil, err
		}
		var t [2]float64
		for i, n := range digitBatches {
			if t[i], _, err = wazeroPredict(ctx, e.o.runs, b, w, v, n); err != nil {
				return nil, fmt.Errorf("wazero %s, batch of %d: %w", v, n, err)
			}
		}
		r.wazero[v] = t
	}

	logf("   digits: Chromium")
	outK := filepath.Join(e.o.work, "out", "digits", "kernels")
	outB := filepath.Join(e.o.work, "out", "digits", "baseline")
	if err := packageWasm(ctx, e, dir, wasmK, outK, false); err != nil {
		return nil, err
	}
	if err := packageWasm(ctx, e, dir, wasmB, outB, true); err != nil {
		return nil, err
	}
	extra := map[string]extraFile{
		"/__bench/simd-model.wasm":     {path: wasmK, ctype: "application/wasm"},
		"/__bench/baseline-model.wasm": {path: wasmB, ctype: "application/wasm"},
		"/__bench/weights.bin":         {path: weights, ctype: "application/octet-stream"},
	}
	run := func(bctx context.Context, v modules.Variant, direct, loader bool) error {
		var d, l [2]float64
		for i, n := range digitBatches {
			pr := pageRun{N: 784, Batch: n, Runs: e.o.runs, WarmMs: 1000}
			if direct {
				pr.Model, pr.Weights = "/__bench/simd-model.wasm", "/__bench/weights.bin"
				if v == modules.Baseline {
					pr.Model = "/__bench/baseline-model.wasm"
				}
				pr.Fwd, pr.Kern = kernelURLs(v)
			}
			if loader {
				pr.Loader, pr.Variant = true, string(v)
			}
			res, err := timeInPage(bctx, pr)
			if err != nil {
				return fmt.Errorf("%s, batch of %d: %w", v, n, err)
			}
			d[i], l[i] = res.Direct, res.Loader
		}
		if direct {
			r.direct[v] = d
		}
		if loader {
			r.loader[v] = l
		}
		return nil
	}
	err = withPage(ctx, e, outK, extra, func(bctx context.Context) error {
		for _, v := range digitVariants {
			if err := run(bctx, v, true, v != modules.Baseline); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("chromium: %w", err)
	}
	err = withPage(ctx, e, outB, nil, func(bctx context.Context) error { return run(bctx, modules.Baseline, false, true) })
	if err != nil {
		return nil, fmt.Errorf("chromium, the package built with kernels = false: %w", err)
	}

	logf("   digits: time to first inference")
	for i := 0; i < 1+e.o.runs; i++ {
		cold, off, err := digitsFirstInference(ctx, e, outK)
		if err != nil {
			return nil, fmt.Errorf("time to first inference, run %d: %w", i+1, err)
		}
		if i > 0 {
			r.cold, r.offline = append(r.cold, cold), append(r.offline, off)
		}
	}

	iris := e.iris
	if iris == nil || iris.page.Loader == 0 {
		logf("   iris (loader round trip)")
		if iris, err = irisExample(ctx, e); err != nil {
			return nil, err
		}
		if _, err := timeExample(ctx, e, iris); err != nil {
			return nil, fmt.Errorf("iris: %w", err)
		}
	}
	r.irisDirect, r.irisLoader = iris.page.Direct, iris.page.Loader
	return r, nil
}

const digitsReadyJS = `document.documentElement.dataset.ready === 'true' || !!document.getElementById('error')?.textContent`
const digitsStateJS = `JSON.stringify({ready: document.documentElement.dataset.ready, readyMs: document.documentElement.dataset.readyMs, from: document.getElementById('from')?.dataset.from, error: document.getElementById('error')?.textContent, status: document.getElementById('status')?.textContent})`

// digitsCachedJS: the service worker's caches hold the model and the
// kernel modules the loader used, so an offline visit can start.
const digitsCachedJS = `(async () => {
  let n = 0;
  for (const k of await caches.keys())
    for (const r of await (await caches.open(k)).keys()) if (r.url.endsWith('.wasm')) n++;
  return n >= 3;
})()`

type digitsState struct {
	ReadyMs string `json:"readyMs"`
	From    string `json:"from"`
	Error   string `json:"error"`
}

// digitsFirstInference opens the packaged app in a fresh profile and
// returns its time to first inference (the app's own figure: from
// navigation start to the end of its first predict), then again offline
// with the server stopped.
func digitsFirstInference(ctx context.Context, e *env, dist string) (cold, offline float64, err error) {
	ctx, cancelRun := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelRun()
	srv, err := startServer(dist, nil)
	if err != nil {
		return 0, 0, err
	}
	defer srv.stop()
	bctx, cancel, err := browser(ctx, e.o.work)
	if err != nil {
		return 0, 0, err
	}
	defer cancel()
	visit := func(want string) (float64, error) {
		if err := navigate(bctx, srv.URL); err != nil {
			return 0, err
		}
		if err := waitFor(bctx, digitsReadyJS, digitsStateJS, 90*time.Second); err != nil {
			return 0, err
		}
		s, err := eval[digitsState](bctx, `({readyMs: document.documentElement.dataset.readyMs || '', from: document.getElementById('from')?.dataset.from || '', error: document.getElementById('error')?.textContent || ''})`)
		if err != nil {
			return 0, err
		}
		if s.Error != "" {
			return 0, fmt.Errorf("the app failed: %s", s.Error)
		}
		if s.From != want {
			return 0, fmt.Errorf("the app loaded its weights from %q, want %s", s.From, want)
		}
		var ms float64
		if _, err := fmt.Sscan(s.ReadyMs, &ms); err != nil {
			return 0, fmt.Errorf("data-ready-ms = %q: %v", s.ReadyMs, err)
		}
		return ms, nil
	}
	if cold, err = visit("network"); err != nil {
		return 0, 0, fmt.Errorf("first visit: %w", err)
	}
	if err := waitFor(bctx, `navigator.serviceWorker.ready.then((r) => !!r.active)`, `'no active service worker'`, 30*time.Second); err != nil {
		return 0, 0, err
	}
	if err := waitFor(bctx, digitsCachedJS, `'the .wasm files are not all in a cache'`, 30*time.Second); err != nil {
		return 0, 0, err
	}
	srv.stop()
	if offline, err = visit("indexeddb"); err != nil {
		return 0, 0, fmt.Errorf("offline visit: %w", err)
	}
	return cold, offline, nil
}

func digitsSection(ctx context.Context, e *env) (string, error) {
	r, err := e.digitsMeasured(ctx)
	if err != nil {
		return "", err
	}
	nat := r.native
	perDigit := func(t [2]float64) float64 { return t[1] / float64(digitBatches[1]) }
	row := func(engine, variant string, t [2]float64) []string {
		return []string{engine, variant, fmtUs(t[0]), speed(t[0], nat[0]), fmtUs(t[1]), fmtUs(perDigit(t)), speed(t[1], nat[1])}
	}
	ref := func(engine, variant string, t [2]float64) []string {
		return []string{engine, variant, fmtUs(t[0]), "1.0× (reference)", fmtUs(t[1]), fmtUs(perDigit(t)), "1.0× (reference)"}
	}
	vname := map[modules.Variant]string{modules.SIMD: "SIMD kernels", modules.Scalar: "scalar kernels", modules.Baseline: "none (kernels = false)"}
	rows := [][]string{ref("native Go", "pure Go", nat)}
	for _, v := range digitVariants {
		rows = append(rows, row("wazero (compiler)", vname[v], r.wazero[v]))
	}
	for _, v := range digitVariants {
		rows = append(rows, row("Chromium, direct", vname[v], r.direct[v]))
	}
	for _, v := range digitVariants {
		rows = append(rows, row("Chromium, via loader", vname[v], r.loader[v]))
	}
	overhead := r.irisLoader - r.irisDirect
	rows = append(rows, []string{"Chromium, the loader's round trip alone", "iris: via loader − direct", fmtUs(overhead), "", "", "", ""})

	var b strings.Builder
	b.WriteString("examples/digits is a convolutional network (two 5×5 convolutions, two dense layers; about 1.1 million multiply-adds per digit) on pwagen's kernels. Each row runs the same input (784 values per digit; a batch is 100 digits one after another, which the model's `predict` accepts) and reports the median µs per call over batches of about 100 ms after a warm-up. ")
	b.WriteString("Native is `go test -bench` of the model's `predict` (pure Go: natively, package kernels is Go). ")
	b.WriteString("wazero and Chromium direct run the .wasm that `pwagen package` builds: for the SIMD and scalar rows the model built with kernels, linked with that kernel module as the loader links it (`kernels/modules.Link` under wazero; forwarder, model, kernels against the model's memory, then `_initialize` in the page); for the last the model built with `kernels = false` (`-tags pwagen_nokernels`: Go's own loops in wasm). ")
	b.WriteString("Chromium direct calls the ABI on a blank page's main thread (after a one-second warm-up so that V8 tiers the code up); via loader is `loadModel({variant})` then `model.predict()` from the package's pwagen.js, which adds the round trip to its Web Worker (the baseline row from the package built with `kernels = false`). ")
	b.WriteString("The round trip alone is the same difference for iris, the default template's model, whose compute is a few hundred nanoseconds.\n\n")
	b.WriteString(table([]string{"engine", "kernels", "one digit", "vs native", "batch of 100", "per digit", "vs native"}, rows))

	cold, off := medianOf(r.cold), medianOf(r.offline)
	b.WriteString("\nTime to first inference in the packaged app (the app's own figure, `data-ready-ms`: `performance.now()` when its first `predict` resolved, from navigation start), served from 127.0.0.1 as `pwagen serve` serves it (the package's headers and .br files), SIMD kernels, a fresh profile per run:\n\n")
	b.WriteString(table([]string{"visit", "median (range)", "× cold"}, [][]string{
		{"cold: nothing cached, online (weights from the network)", msRange(r.cold), "1.0×"},
		{"warm offline: server stopped (service worker, weights from IndexedDB)", msRange(r.offline), ratio(off, cold)},
	}))
	fmt.Fprintf(&b, "\nThe model .wasm is %s with the kernels and %s without (before gzip).\n", kb(r.wasmSize[0]), kb(r.wasmSize[1]))

	// Analysis, from the figures.
	sd, sw := r.direct[modules.SIMD], r.wazero[modules.SIMD]
	sc, bl := r.direct[modules.Scalar], r.direct[modules.Baseline]
	ls := r.loader[modules.SIMD]
	b.WriteString("\nAnalysis: ")
	fmt.Fprintf(&b, "with the SIMD kernels one digit takes %s in Chromium against %s natively (%s) and %s under wazero (%s). ", fmtUs(sd[0]), fmtUs(nat[0]), speed(sd[0], nat[0]), fmtUs(sw[0]), speed(sw[0], nat[0]))
	b.WriteString("That is where pwagen wins: the convolutions (im2col, then gemm) and the dense layers run as hand-written 128-bit SIMD WebAssembly, which V8 and wazero compile to SSE, while Go 1.26 compiles the same loops natively without vectors (and its pure-Go kernels round each product, with no fused multiply-add). ")
	fmt.Fprintf(&b, "Without SIMD the picture turns: the scalar kernels take %s in Chromium (%s against native), and the model built with `kernels = false`, Go's own loops compiled to wasm, %s (%s); in the same browser the SIMD kernels run the model %s than plain Go wasm. ", fmtUs(sc[0]), speed(sc[0], nat[0]), fmtUs(bl[0]), speed(bl[0], nat[0]), speed(sd[0], bl[0]))
	fmt.Fprintf(&b, "wazero's compiler is slower than V8 on the same code (SIMD %s against %s; without kernels %s against %s): it allocates registers and selects instructions more simply than TurboFan; `pwagen validate` uses it to check the model, not to serve it. ", fmtUs(sw[0]), fmtUs(sd[0]), fmtUs(r.wazero[modules.Baseline][0]), fmtUs(bl[0]))
	fmt.Fprintf(&b, "Through the loader one SIMD digit costs %s, %s more than the direct call; the round trip alone, measured on iris, is %s (postMessage to the Web Worker and back, a copy of the input and the output each way, and the worker's event loop), and the rest is the larger message and the page's own event loop. ", fmtUs(ls[0]), fmtUs(ls[0]-sd[0]), fmtUs(overhead))
	fmt.Fprintf(&b, "Sent as a batch of 100 the round trip is paid once, and a digit costs %s through the loader (%s against native). ", fmtUs(perDigit(ls)), speed(perDigit(ls), nat[1]/float64(digitBatches[1])))
	b.WriteString("For the direct calls and natively batches change little per digit: the work grows with the digits and the per-call cost is small beside it. ")
	fmt.Fprintf(&b, "A cold first visit reaches its first inference in %s (download the .wasm and the kernels and compile them while streaming, fetch, verify and store %s of weights, register the service worker); warm and offline it takes %s, with the weights from IndexedDB and the .wasm files from the service worker's cache.\n", fmtMs(cold), kb(weightsBytes(e, "digits")), fmtMs(off))
	return b.String(), nil
}

// msRange formats ms values as "median (min–max)".
func msRange(xs []float64) string {
	if len(xs) == 0 {
		return "–"
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return fmt.Sprintf("%s (%s–%s)", fmtMs(medianOf(xs)), fmtMs(lo), fmtMs(hi))
}

// weightsBytes is the size of an example's weights file.
func weightsBytes(e *env, name string) int64 {
	cfg, err := config.Load(filepath.Join(e.o.repo, "examples", name))
	if err != nil {
		return 0
	}
	fi, err := os.Stat(cfg.Rel(cfg.Model.Weights))
	if err != nil {
		return 0
	}
	return fi.Size()
}
