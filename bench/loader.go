package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/kernels/modules"
)

// The loader's round trip (issue 21) and its worker pool (issue 18): the
// same page with and without cross-origin isolation, since the loader
// answers through shared memory only on an isolated page.

// poolBatch is the batch the pool is timed on.
const poolBatch = 100

// loaderPage is what one page (plain or isolated) measured, µs per call.
type loaderPage struct {
	Transport string             `json:"transport"`
	Isolated  bool               `json:"isolated"`
	Cores     int                `json:"cores"`
	IrisDir   float64            `json:"irisDirect"`
	IrisLdr   float64            `json:"irisLoader"`
	DigDir    float64            `json:"digitDirect"`
	DigLdr    float64            `json:"digitLoader"`
	Batch1    float64            `json:"batch1"` // predictBatch of poolBatch digits, one worker
	Batch2    float64            `json:"batch2"` // the same, two workers
	Conc1     float64            `json:"conc1"`  // poolBatch concurrent predict calls, one worker
	Conc2     float64            `json:"conc2"`
	Echo      map[string]float64 `json:"echo"`
}

// echoWorkerJS answers at once, as an empty model worker would: a
// transferred ArrayBuffer back, an object message with one, a port's
// messages, or requests in a SharedArrayBuffer (blocking in Atomics.wait,
// or awaiting Atomics.waitAsync).
const echoWorkerJS = `self.onmessage = (e) => {
  const m = e.data;
  if (m instanceof ArrayBuffer) return self.postMessage(m, [m]);
  if (m.type === 'obj') return self.postMessage({ type: 'result', id: m.id, output: m.input }, [m.input]);
  if (m.type === 'port') { m.port.onmessage = (ev) => m.port.postMessage(ev.data, [ev.data]); return; }
  const ctl = new Int32Array(m.sab, 0, 2);
  if (m.type === 'wait') {
    for (let seen = 0; ;) {
      Atomics.wait(ctl, 0, seen);
      seen = Atomics.load(ctl, 0);
      if (seen < 0) return;
      Atomics.store(ctl, 1, seen); Atomics.notify(ctl, 1);
    }
  }
  (async () => {
    for (let seen = 0; ;) {
      const w = Atomics.waitAsync(ctl, 0, seen);
      if (w.async) await w.value;
      seen = Atomics.load(ctl, 0);
      if (seen < 0) return;
      Atomics.store(ctl, 1, seen); Atomics.notify(ctl, 1);
    }
  })();
};`

// echoJS times a round trip to the echo worker each way, with a
// digit-sized input (784 float32) copied in, as the loader does.
const echoJS = `(async (runs, warmMs) => {
  const r = {};
  const inp = new Float32Array(784);
  const w = new Worker('/__bench/echo-worker.js');
  let settle = null;
  w.onmessage = (e) => settle(e.data);
  const ask = (msg, t) => new Promise((res) => { settle = res; w.postMessage(msg, t); });
  r.object = await __pw.time(() => { const b = inp.slice().buffer; return ask({ type: 'obj', id: 1, input: b }, [b]); }, runs, warmMs);
  r.buffer = await __pw.time(() => { const b = inp.slice().buffer; return ask(b, [b]); }, runs, warmMs);
  const ch = new MessageChannel();
  w.postMessage({ type: 'port', port: ch.port2 }, [ch.port2]);
  ch.port1.onmessage = (e) => settle(e.data);
  r.port = await __pw.time(() => new Promise((res) => { settle = res; const b = inp.slice().buffer; ch.port1.postMessage(b, [b]); }), runs, warmMs);
  w.terminate();
  if (self.crossOriginIsolated) {
    for (const mode of ['wait', 'waitAsync']) {
      const sw = new Worker('/__bench/echo-worker.js');
      const sab = new SharedArrayBuffer(8 + 4 * 784);
      const ctl = new Int32Array(sab, 0, 2), data = new Float32Array(sab, 8);
      sw.postMessage({ type: mode, sab });
      let seq = 0;
      r['sab-' + mode] = await __pw.time(async () => {
        data.set(inp);
        const s = ++seq;
        Atomics.store(ctl, 0, s); Atomics.notify(ctl, 0);
        for (let d; (d = Atomics.load(ctl, 1)) !== s;) { const x = Atomics.waitAsync(ctl, 1, d); if (x.async) await x.value; }
        return data.slice(0, 10);
      }, runs, warmMs);
      Atomics.store(ctl, 0, -1); Atomics.notify(ctl, 0);
      sw.terminate();
    }
  }
  return r;
})`

// loaderPoolJS times the package's loader: one digit with one worker, a
// batch with one and with two workers, and the batch as concurrent
// predict calls.
const loaderPoolJS = `(async (n, batch, runs, warmMs) => {
  const { loadModel } = await import('/pwagen.js');
  const opts = { serviceWorker: false, storage: 'memory' };
  const r = { isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency };
  const items = Array.from({ length: batch }, (_, k) => Float32Array.from({ length: n }, (_, i) => (((i + k) % 7) + 1) / 7));
  const m1 = await loadModel({ ...opts, workers: 1 });
  r.transport = m1.info.transport;
  r.digitLoader = await __pw.time(() => m1.predict(items[0]), runs, warmMs);
  r.batch1 = await __pw.time(() => m1.predictBatch(items), runs, warmMs);
  r.conc1 = await __pw.time(() => Promise.all(items.map((x) => m1.predict(x))), runs, warmMs);
  m1.dispose();
  const m2 = await loadModel({ ...opts, workers: 2 });
  if (m2.info.workers !== 2) throw new Error('loadModel({workers: 2}) started ' + m2.info.workers);
  r.batch2 = await __pw.time(() => m2.predictBatch(items), runs, warmMs); // the warm-up lets the second worker start
  r.conc2 = await __pw.time(() => Promise.all(items.map((x) => m2.predict(x))), runs, warmMs);
  m2.dispose();
  return r;
})`

func loaderSection(ctx context.Context, e *env) (string, error) {
	// examples/digits: native, and its package.
	dir := filepath.Join(e.o.repo, "examples", "digits")
	cfg, err := config.Load(dir)
	if err != nil {
		return "", err
	}
	weights := cfg.Rel(cfg.Model.Weights)
	wasmK, err := e.wasmTags(ctx, dir, cfg.Model.Package, "")
	if err != nil {
		return "", err
	}
	logf("   loader: native digits")
	ex := &example{dir: dir, cfg: cfg}
	native, _, err := nativePredict(ctx, e, ex, weights, 1)
	if err != nil {
		return "", fmt.Errorf("native digits: %w", err)
	}
	outD := filepath.Join(e.o.work, "out", "loader", "digits")
	if err := packageWasm(ctx, e, dir, wasmK, outD, false); err != nil {
		return "", err
	}
	// iris: compute of about a microsecond, so loader − direct is the round trip.
	iris, err := irisExample(ctx, e)
	if err != nil {
		return "", err
	}
	icfg, err := config.Load(iris.dir)
	if err != nil {
		return "", err
	}
	iwasm, err := e.wasm(ctx, iris.dir, icfg.Model.Package)
	if err != nil {
		return "", err
	}
	ib, err := os.ReadFile(iwasm)
	if err != nil {
		return "", err
	}
	irisKernels, err := importsKernelsWasm(ib)
	if err != nil {
		return "", err
	}
	ifwd, ikern := kernelURLs(modules.Baseline)
	if irisKernels {
		ifwd, ikern = kernelURLs(modules.SIMD)
	}
	outI := filepath.Join(e.o.work, "out", "loader", "iris")
	if err := packageWasm(ctx, e, iris.dir, iwasm, outI, false); err != nil {
		return "", err
	}

	pages := map[bool]*loaderPage{}
	for _, iso := range []bool{false, true} {
		p := &loaderPage{}
		pages[iso] = p
		logf("   loader: Chromium, isolated %v", iso)
		extra := map[string]extraFile{
			"/__bench/model.wasm":       {path: wasmK, ctype: "application/wasm"},
			"/__bench/weights.bin":      {path: weights, ctype: "application/octet-stream"},
			"/__bench/iris.wasm":        {path: iwasm, ctype: "application/wasm"},
			"/__bench/iris-weights.bin": {path: icfg.Rel(icfg.Model.Weights), ctype: "application/octet-stream"},
			"/__bench/echo-worker.js":   {data: []byte(echoWorkerJS), ctype: "text/javascript"},
		}
		fwd, kern := kernelURLs(modules.SIMD)
		err := withLoaderPage(ctx, e, outD, extra, iso, func(bctx context.Context) error {
			if _, err := eval[bool](bctx, `window.__pw ? true : (`+pageJS+`)`); err != nil {
				return err
			}
			d, err := timeInPage(bctx, pageRun{Model: "/__bench/model.wasm", Fwd: fwd, Kern: kern, Weights: "/__bench/weights.bin", Batch: 1, Runs: e.o.runs, WarmMs: 1000})
			if err != nil {
				return fmt.Errorf("digits, direct: %w", err)
			}
			p.DigDir = d.Direct
			i, err := timeInPage(bctx, pageRun{Model: "/__bench/iris.wasm", Fwd: ifwd, Kern: ikern, Weights: "/__bench/iris-weights.bin", Batch: 1, Runs: e.o.runs, WarmMs: 1000})
			if err != nil {
				return fmt.Errorf("iris, direct: %w", err)
			}
			p.IrisDir = i.Direct
			if p.Echo, err = eval[map[string]float64](bctx, fmt.Sprintf("%s(%d, 500)", echoJS, e.o.runs)); err != nil {
				return fmt.Errorf("echo worker: %w", err)
			}
			r, err := eval[loaderPage](bctx, fmt.Sprintf("%s(784, %d, %d, 1000)", loaderPoolJS, poolBatch, e.o.runs))
			if err != nil {
				return fmt.Errorf("digits through the loader: %w", err)
			}
			p.Transport, p.Isolated, p.Cores = r.Transport, r.Isolated, r.Cores
			p.DigLdr, p.Batch1, p.Batch2, p.Conc1, p.Conc2 = r.DigLdr, r.Batch1, r.Batch2, r.Conc1, r.Conc2
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("chromium (isolated %v): %w", iso, err)
		}
		raw, _ := json.Marshal(p)
		logf("   %s", raw)
		if p.Isolated != iso {
			return "", fmt.Errorf("the page was crossOriginIsolated = %v, want %v", p.Isolated, iso)
		}
		// iris through its own package's loader.
		err = withLoaderPage(ctx, e, outI, nil, iso, func(bctx context.Context) error {
			r, err := timeInPage(bctx, pageRun{N: 4, Batch: 1, Loader: true, Runs: e.o.runs, WarmMs: 1000})
			p.IrisLdr = r.Loader
			return err
		})
		if err != nil {
			return "", fmt.Errorf("iris through the loader (isolated %v): %w", iso, err)
		}
	}
	return loaderReport(pages[false], pages[true], native), nil
}

// withLoaderPage is withPage with or without cross-origin isolation.
func withLoaderPage(ctx context.Context, e *env, dist string, extra map[string]extraFile, isolate bool, f func(bctx context.Context) error) error {
	x, err := kernelExtras()
	if err != nil {
		return err
	}
	for k, v := range extra {
		x[k] = v
	}
	srv, err := startServer(dist, x)
	if err != nil {
		return err
	}
	srv.isolate = isolate
	defer srv.stop()
	bctx, cancel, err := browser(ctx, e.o.work)
	if err != nil {
		return err
	}
	defer cancel()
	if err := navigate(bctx, srv.URL+"__bench/blank.html"); err != nil {
		return err
	}
	return f(bctx)
}

func loaderReport(plain, iso *loaderPage, native float64) string {
	var b strings.Builder
	row := func(what string, f func(p *loaderPage) string) []string { return []string{what, f(plain), f(iso)} }
	us := func(g func(p *loaderPage) float64) func(p *loaderPage) string {
		return func(p *loaderPage) string { return fmtUs(g(p)) }
	}
	echo := func(k string) func(p *loaderPage) string {
		return func(p *loaderPage) string {
			if v, ok := p.Echo[k]; ok {
				return fmtUs(v)
			}
			return "– (needs isolation)"
		}
	}
	rt := func(p *loaderPage) float64 { return p.IrisLdr - p.IrisDir }
	fmt.Fprintf(&b, "The loader's cost per call, on a plain page and on a cross-origin isolated one (COOP and COEP, as `isolation = \"headers\"` hosts send), where the loader answers through a SharedArrayBuffer per worker instead of postMessage (`info.transport`). Medians of µs per call after a warm-up; Chromium reports %d cores (`navigator.hardwareConcurrency`). ", plain.Cores)
	b.WriteString("Direct is the model's ABI called on the page's main thread; via loader is `loadModel({workers: 1})` then `model.predict()`. iris (the default template) computes for about a microsecond, so its loader − direct is the round trip alone. The empty-worker rows answer at once with no model, to show where the round trip goes: an object message with the transferred input (the loader's message before this change), a bare transferred ArrayBuffer, a MessageChannel port, and a SharedArrayBuffer with the worker blocking in `Atomics.wait` or awaiting `Atomics.waitAsync` (the page awaits `Atomics.waitAsync` in both).\n\n")
	rows := [][]string{
		row("iris, direct", us(func(p *loaderPage) float64 { return p.IrisDir })),
		row("iris, via loader", us(func(p *loaderPage) float64 { return p.IrisLdr })),
		row("**the loader's round trip** (iris: via loader − direct)", us(rt)),
		row("one digit, native Go", func(*loaderPage) string { return fmtUs(native) }),
		row("one digit, direct (SIMD kernels)", us(func(p *loaderPage) float64 { return p.DigDir })),
		row("one digit, via loader", us(func(p *loaderPage) float64 { return p.DigLdr })),
		row("one digit via loader against native", func(p *loaderPage) string { return speed(p.DigLdr, native) }),
		row("empty worker: object message, transferred input", echo("object")),
		row("empty worker: bare ArrayBuffer, transferred", echo("buffer")),
		row("empty worker: MessageChannel port", echo("port")),
		row("empty worker: SharedArrayBuffer, worker in Atomics.wait", echo("sab-wait")),
		row("empty worker: SharedArrayBuffer, worker in Atomics.waitAsync", echo("sab-waitAsync")),
		row(fmt.Sprintf("predictBatch of %d digits, 1 worker", poolBatch), us(func(p *loaderPage) float64 { return p.Batch1 })),
		row(fmt.Sprintf("predictBatch of %d digits, 2 workers", poolBatch), us(func(p *loaderPage) float64 { return p.Batch2 })),
		row("**pool speed-up** (1 worker / 2 workers)", func(p *loaderPage) string { return fmt.Sprintf("%.2f×", p.Batch1/p.Batch2) }),
		row(fmt.Sprintf("%d concurrent predict calls, 1 worker", poolBatch), us(func(p *loaderPage) float64 { return p.Conc1 })),
		row(fmt.Sprintf("%d concurrent predict calls, 2 workers", poolBatch), us(func(p *loaderPage) float64 { return p.Conc2 })),
		row("concurrent calls' speed-up", func(p *loaderPage) string { return fmt.Sprintf("%.2f×", p.Conc1/p.Conc2) }),
	}
	b.WriteString(table([]string{"", "plain page (" + plain.Transport + ")", "isolated page (" + iso.Transport + ")"}, rows))

	b.WriteString("\nGoals (issue 21: round trip and one digit; issue 18: the pool):\n\n")
	verdict := func(ok bool) string {
		if ok {
			return "pass"
		}
		return "**FAIL**"
	}
	best := iso
	goals := [][]string{
		{"the loader's round trip, isolated page", fmtUs(rt(iso)), "≤ 15 µs", verdict(rt(iso) <= 15)},
		{"the loader's round trip, plain page", fmtUs(rt(plain)), "(no goal: postMessage)", "–"},
		{"one digit through the loader against native Go, isolated page", speed(best.DigLdr, native), "≥ 4× faster", verdict(native/best.DigLdr >= 4)},
		{fmt.Sprintf("predictBatch of %d digits, 2 workers against 1, plain page", poolBatch), fmt.Sprintf("%.2f×", plain.Batch1/plain.Batch2), "≥ 1.7×", verdict(plain.Batch1/plain.Batch2 >= 1.7)},
	}
	b.WriteString(table([]string{"goal", "measured", "wanted", ""}, goals))

	b.WriteString("\nAnalysis: ")
	if v, ok := plain.Echo["object"]; ok {
		fmt.Fprintf(&b, "an empty worker already costs %s per round trip by postMessage (%s with a bare ArrayBuffer, %s through a MessageChannel port): what the loader paid per call is the message passing itself, not the model, the copies (3 KiB each way, well under a microsecond) or the promise chain (one promise per call). ", fmtUs(v), fmtUs(plain.Echo["buffer"]), fmtUs(plain.Echo["port"]))
	}
	b.WriteString("Chromium delivers a worker's message as a task posted to the other thread's event loop, through its scheduler, and a port's through Mojo: each direction wakes a sleeping thread and runs a task, and on a loaded machine each wake-up waits for a core. A MessageChannel per model does not help (a port is no faster than the worker's own channel), so the loader keeps `Worker.postMessage`, with the input and output as bare transferred ArrayBuffers and no id (a worker runs one call at a time). ")
	if v, ok := iso.Echo["sab-wait"]; ok {
		fmt.Fprintf(&b, "Shared memory skips the task queue on the worker's side: blocked in `Atomics.wait`, the worker wakes on `Atomics.notify` straight into the model, and only the page's side goes through a task (the resolution of `Atomics.waitAsync`): %s for an empty worker, against %s when the worker also awaits `waitAsync`. ", fmtUs(v), fmtUs(iso.Echo["sab-waitAsync"]))
	}
	b.WriteString("So on a cross-origin isolated page each worker gets a SharedArrayBuffer channel (templates/loader/channel.js): the page writes the packed input into it and awaits `Atomics.waitAsync`; the worker, blocked in `Atomics.wait`, runs the model on the input in place and writes the output back. Batches and inputs larger than the channel still go by postMessage, after the page \"parks\" the worker (it leaves `Atomics.wait` to read its messages). ")
	fmt.Fprintf(&b, "The pool splits a batch into two parts per worker, handed to whichever worker is idle: with 2 workers a batch of %d digits runs %.2f× as fast as with one (plain page; %.2f× isolated), on a machine whose load average is in the header: other processes take their share of the 2 cores, and the goal of 1.7× needs both cores mostly free. ", poolBatch, plain.Batch1/plain.Batch2, iso.Batch1/iso.Batch2)
	b.WriteString("A figure near its threshold can pass in one run and fail in the next on this shared machine; the ratios measured side by side in one run are the figures to read.\n")
	return b.String()
}
