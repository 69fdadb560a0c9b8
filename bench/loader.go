package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

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
	Transport string  `json:"transport"`
	Isolated  bool    `json:"isolated"`
	Cores     int     `json:"cores"`
	IrisDir   float64 `json:"irisDirect"`
	IrisLdr   float64 `json:"irisLoader"`
	DigDir    float64 `json:"digitDirect"`
	DigLdr    float64 `json:"digitLoader"`
	// Batch and Conc are indexed by workers − 1: predictBatch of poolBatch
	// digits, and poolBatch concurrent predict calls.
	Batch, Conc [2]poolLoop `json:"-"`
	// Bare is the machine's ceiling in this page: the batch on bare
	// workers (bareBatchWorkerJS), one on all of it and two on half
	// each; Native the same work natively (nativeCeiling), 1 and 2
	// goroutines, timed in the same loops.
	Bare, Native [2]poolLoop        `json:"-"`
	Echo         map[string]float64 `json:"echo"`
	// Windows are iris direct, through the loader (spinning and with
	// spin: false), and the empty worker; DigWin the same for one digit.
	Windows map[string]window `json:"windows"`
	DigWin  map[string]window `json:"digitWindows"`
}

// echoWorkerJS answers at once, as an empty model worker would: a
// transferred ArrayBuffer back, an object message with one, a port's
// messages, or requests in a SharedArrayBuffer (blocking in Atomics.wait,
// or awaiting Atomics.waitAsync). After {type: 'delay', ms}, or with
// {type: 'wait', delay}, it first computes for that long (polls the
// clock), as a model would.
const echoWorkerJS = `let delay = 0;
const busy = (ms) => { for (const t = performance.now(); performance.now() - t < ms;); };
self.onmessage = (e) => {
  const m = e.data;
  if (m instanceof ArrayBuffer) {
    if (delay) busy(delay);
    return self.postMessage(m, [m]);
  }
  if (m.type === 'delay') return void (delay = m.ms);
  if (m.type === 'obj') return self.postMessage({ type: 'result', id: m.id, output: m.input }, [m.input]);
  if (m.type === 'port') { m.port.onmessage = (ev) => m.port.postMessage(ev.data, [ev.data]); return; }
  const ctl = new Int32Array(m.sab, 0, 2);
  if (m.type === 'wait' || m.type === 'wait-alloc') {
    const data = new Uint8Array(m.sab, 8, 12);
    for (let seen = 0; ;) {
      Atomics.wait(ctl, 0, seen);
      seen = Atomics.load(ctl, 0);
      if (seen < 0) return;
      if (m.type === 'wait-alloc') data.set(new Uint8Array(new ArrayBuffer(12))); // what a model's output copy costs
      if (m.delay) busy(m.delay);
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
    for (const mode of ['wait', 'wait-alloc', 'waitAsync']) {
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

// window is the µs per call of one way of calling, over interleaved
// windows: the best window (what the code costs when the machine lets it
// run) and the median.
type window struct {
	Min float64 `json:"min"`
	Med float64 `json:"med"`
}

// windowsJS times a model directly on the page, through the package's
// loader (one worker; spin "auto"), through it with loadModel({spin: true})
// (always poll) and with spin: false (the page and the worker sleep at
// once, as the loader did before it could spin), and the
// empty worker (shared memory on an isolated page, else a transferred
// ArrayBuffer), at once and after computing as long as the direct call
// takes (its median) in turn, 40 windows of 25 ms each way, so that the
// machine's load falls on all alike. x is the input.
const windowsJS = `(async (model, fwd, kern, weights, x) => {
  const direct = await __pw.model(model, fwd, kern, weights);
  const { loadModel } = await import('/pwagen.js');
  const m = await loadModel({ serviceWorker: false, storage: 'memory', workers: 1 });
  const m0 = await loadModel({ serviceWorker: false, storage: 'memory', workers: 1, spin: false });
  const m1 = await loadModel({ serviceWorker: false, storage: 'memory', workers: 1, spin: true });
  x = Float32Array.from(x);
  for (const t = performance.now(); performance.now() - t < 500;) direct.predict(x);
  const took = [];
  for (let i = 0; i < 201; i++) { const t = performance.now(); direct.predict(x); took.push(performance.now() - t); }
  const delay = took.sort((a, b) => a - b)[100]; // ms: the direct call's median
  const workers = [];
  const echoOf = (ms) => {
    const w = new Worker('/__bench/echo-worker.js');
    workers.push(w);
    if (self.crossOriginIsolated) {
      const sab = new SharedArrayBuffer(64), ctl = new Int32Array(sab, 0, 2);
      w.postMessage({ type: 'wait', sab, delay: ms });
      let seq = 0;
      return async () => { const s = ++seq; Atomics.store(ctl, 0, s); Atomics.notify(ctl, 0); for (let d; (d = Atomics.load(ctl, 1)) !== s;) { const q = Atomics.waitAsync(ctl, 1, d); if (q.async) await q.value; } };
    }
    let settle = null;
    w.onmessage = (e) => settle(e.data);
    w.postMessage({ type: 'delay', ms });
    return () => new Promise((res) => { settle = res; const b = x.slice().buffer; w.postMessage(b, [b]); });
  };
  const ways = { direct: async () => direct.predict(x), loader: () => m.predict(x), spin: () => m1.predict(x), nospin: () => m0.predict(x), echo: echoOf(0), busy: echoOf(delay) };
  const per = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  for (const f of Object.values(ways)) for (const t = performance.now(); performance.now() - t < 1000;) await f();
  for (let i = 0; i < 40; i++) for (const [k, f] of Object.entries(ways)) {
    const t0 = performance.now();
    let n = 0;
    do { await f(); n++; } while (performance.now() - t0 < 25);
    per[k].push(((performance.now() - t0) * 1000) / n);
  }
  m.dispose();
  m0.dispose();
  m1.dispose();
  for (const w of workers) w.terminate();
  return Object.fromEntries(Object.entries(per).map(([k, v]) => { v.sort((a, b) => a - b); return [k, { min: v[0], med: v[v.length >> 1] }]; }));
})`

// loaderPoolJS loads the package's model with one worker and with two
// (window.__ldr), times one digit through the one-worker loader, and
// warms both up. __ldr.loop(workers, kind, ms) then runs batches (kind
// "batch": predictBatch; "concurrent": as many predict calls at once) for
// about ms and returns their count and the time they took.
const loaderPoolJS = `(async (n, batch, runs, warmMs, bare) => {
  const { loadModel } = await import('/pwagen.js');
  const opts = { serviceWorker: false, storage: 'memory' };
  const r = { isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency };
  const items = Array.from({ length: batch }, (_, k) => Float32Array.from({ length: n }, (_, i) => (((i + k) % 7) + 1) / 7));
  const m1 = await loadModel({ ...opts, workers: 1 });
  r.transport = m1.info.transport;
  r.digitLoader = await __pw.time(() => m1.predict(items[0]), runs, warmMs);
  const m2 = await loadModel({ ...opts, workers: 2 });
  if (m2.info.workers !== 2) throw new Error('loadModel({workers: 2}) started ' + m2.info.workers);
  const models = { 1: m1, 2: m2 };
  const call = { batch: (m) => m.predictBatch(items), concurrent: (m) => Promise.all(items.map((x) => m.predict(x))) };
  for (const m of [m1, m2]) for (const t0 = performance.now(); performance.now() - t0 < warmMs;) await m.predictBatch(items); // and the second worker starts
  // The ceiling: bare workers, the first on all items or each on half.
  const bw = [0, 1].map(() => new Worker('/__bench/bare-worker.js'));
  const ask = (w, msg, t) => new Promise((res) => { w.onmessage = (e) => res(e.data); w.postMessage(msg, t || []); });
  await Promise.all(bw.map((w) => ask(w, { init: bare })));
  const part = (w, from, to) => {
    const x = new Float32Array((to - from) * n);
    for (let i = from; i < to; i++) x.set(items[i], (i - from) * n);
    return ask(w, { data: x.buffer, n: to - from }, [x.buffer]);
  };
  const bareCall = { 1: () => part(bw[0], 0, batch), 2: () => Promise.all([part(bw[0], 0, batch >> 1), part(bw[1], batch >> 1, batch)]) };
  for (const w of [1, 2]) for (const t0 = performance.now(); performance.now() - t0 < warmMs;) await bareCall[w]();
  window.__ldr = {
    async loop(w, kind, ms) {
      const t0 = performance.now();
      let calls = 0;
      do { await (kind === 'bare' ? bareCall[w]() : call[kind](models[w])); calls++; } while (performance.now() - t0 < ms);
      return { calls, ms: performance.now() - t0 };
    },
    dispose() { m1.dispose(); m2.dispose(); for (const w of bw) w.terminate(); },
  };
  return r;
})`

// poolLoop is one timed loop of __ldr.loop, with the CPU time the browser's
// processes used meanwhile.
type poolLoop struct {
	Calls int     `json:"calls"`
	Ms    float64 `json:"ms"`
	CPUMs float64 `json:"-"`
	// The CPU ms of the browser's threads by kind (threadShares).
	WorkerMs, PageMs, PoolMs, OtherMs float64 `json:"-"`
}

func (l *poolLoop) add(x poolLoop) {
	l.Calls += x.Calls
	l.Ms += x.Ms
	l.CPUMs += x.CPUMs
	l.WorkerMs += x.WorkerMs
	l.PageMs += x.PageMs
	l.PoolMs += x.PoolMs
	l.OtherMs += x.OtherMs
}

func (l poolLoop) perCall() float64    { return l.Ms * 1000 / float64(max(l.Calls, 1)) } // µs
func (l poolLoop) cpuPerCall() float64 { return l.CPUMs * 1000 / float64(max(l.Calls, 1)) }
func (l poolLoop) cores() float64      { return l.CPUMs / l.Ms }

// timePool runs __ldr.loop for one worker count and kind, sampling the CPU
// time of every process whose command line holds profile (the bench's
// Chromium).
func timePool(bctx context.Context, profile string, workers int, kind string) (poolLoop, error) {
	pid := browserPid(bctx)
	c0, t0 := cpuTicks(profile), threadCPU(pid)
	l, err := eval[poolLoop](bctx, fmt.Sprintf("__ldr.loop(%d, %q, 3000)", workers, kind))
	l.CPUMs = float64(cpuTicks(profile)-c0) * 1000 / clockTicks
	l.WorkerMs, l.PageMs, l.PoolMs, l.OtherMs = threadShares(t0, threadCPU(pid))
	return l, err
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on Linux.
const clockTicks = 100

// cpuTicks sums user and system time of the processes whose command line
// contains substr.
func cpuTicks(substr string) int64 {
	ents, _ := os.ReadDir("/proc")
	var total int64
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(b), substr) {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(st)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		k, _ := strconv.ParseInt(f[12], 10, 64)
		total += u + k
	}
	return total
}

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
			"/__bench/bare-worker.js":   {data: []byte(strings.Replace(bareBatchWorkerJS, "PAGEJS", pageJS, 1)), ctype: "text/javascript"},
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
			bare, _ := json.Marshal([]string{"/__bench/model.wasm", fwd, kern, "/__bench/weights.bin"})
			r, err := eval[loaderPage](bctx, fmt.Sprintf("%s(784, %d, %d, 1000, %s)", loaderPoolJS, poolBatch, e.o.runs, bare))
			if err != nil {
				return fmt.Errorf("digits through the loader: %w", err)
			}
			p.Transport, p.Isolated, p.Cores = r.Transport, r.Isolated, r.Cores
			p.DigLdr = r.DigLdr
			// Alternate 1 and 2 workers, twice, the machine's ceiling
			// (bare workers, native goroutines) in the same rounds, so
			// that a change in the machine's load falls on all.
			for rep := 0; rep < 2; rep++ {
				for _, k := range []struct {
					kind string
					into *[2]poolLoop
				}{{"bare", &p.Bare}, {"batch", &p.Batch}, {"concurrent", &p.Conc}, {"native", &p.Native}} {
					for w := 1; w <= 2; w++ {
						var l poolLoop
						var err error
						if k.kind == "native" {
							for t0 := time.Now(); time.Since(t0) < 3*time.Second; {
								l.add(nativeCeiling(w))
							}
						} else if l, err = timePool(bctx, filepath.Join(e.o.work, "chromium-"), w, k.kind); err != nil {
							return fmt.Errorf("%s, %d workers: %w", k.kind, w, err)
						}
						k.into[w-1].add(l)
					}
				}
			}
			if _, err := eval[bool](bctx, `(window.__ldr.dispose(), true)`); err != nil {
				return err
			}
			// One digit directly and through the loader, in interleaved
			// windows: section 7 and this one time them minutes apart.
			p.DigWin, err = eval[map[string]window](bctx, fmt.Sprintf("%s(%q, %q, %q, %q, __pw.input(784))", windowsJS, "/__bench/model.wasm", fwd, kern, "/__bench/weights.bin"))
			if err != nil {
				return fmt.Errorf("digits, windows: %w", err)
			}
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
		// iris through its own package's loader, then the round trip
		// three ways in interleaved windows.
		err = withLoaderPage(ctx, e, outI, extra, iso, func(bctx context.Context) error {
			r, err := timeInPage(bctx, pageRun{N: 4, Batch: 1, Loader: true, Runs: e.o.runs, WarmMs: 1000})
			if err != nil {
				return err
			}
			p.IrisLdr = r.Loader
			p.Windows, err = eval[map[string]window](bctx, fmt.Sprintf("%s(%q, %q, %q, %q, [5.1, 3.5, 1.4, 0.2])", windowsJS, "/__bench/iris.wasm", ifwd, ikern, "/__bench/iris-weights.bin"))
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
		row("empty worker: SharedArrayBuffer, worker in Atomics.wait, a 12-byte ArrayBuffer allocated per call", echo("sab-wait-alloc")),
		row("empty worker: SharedArrayBuffer, worker in Atomics.waitAsync", echo("sab-waitAsync")),
	}
	for _, k := range []struct {
		what    string
		get     func(p *loaderPage) *[2]poolLoop
		threads bool // CPU by kind of thread (browser loops)
	}{
		{fmt.Sprintf("machine ceiling: %d digits on bare workers (the model's .wasm, no loader), all on one or half each on two", poolBatch), func(p *loaderPage) *[2]poolLoop { return &p.Bare }, true},
		{fmt.Sprintf("machine ceiling: native Go, %d × %d float32 gemm × %d on 1 goroutine or half each on 2 (CPU: the bench process)", ceilingN, ceilingN, ceilingUnits), func(p *loaderPage) *[2]poolLoop { return &p.Native }, false},
		{fmt.Sprintf("predictBatch of %d digits", poolBatch), func(p *loaderPage) *[2]poolLoop { return &p.Batch }, true},
		{fmt.Sprintf("%d concurrent predict calls", poolBatch), func(p *loaderPage) *[2]poolLoop { return &p.Conc }, true},
	} {
		for w := 1; w <= 2; w++ {
			rows = append(rows, row(fmt.Sprintf("%s, %d worker(s): wall time per call (CPU time; cores used)", k.what, w), func(p *loaderPage) string {
				l := k.get(p)[w-1]
				return fmt.Sprintf("%s (%s; %.2f)", fmtUs(l.perCall()), fmtUs(l.cpuPerCall()), l.cores())
			}))
			if k.threads {
				rows = append(rows, row(fmt.Sprintf("… %d worker(s): CPU per call by Chromium thread", w), func(p *loaderPage) string { return fmtShares(k.get(p)[w-1]) }))
			}
		}
		rows = append(rows, row(fmt.Sprintf("**%s: 2 workers' speed-up** (by CPU: 2 × CPU per call with 1 / with 2, what two free cores would give if the CPU spread evenly)", k.what), func(p *loaderPage) string {
			l := k.get(p)
			return fmt.Sprintf("%.2f× (%.2f×)", l[0].perCall()/l[1].perCall(), cpuSpeedup(*l))
		}))
	}
	b.WriteString(table([]string{"", "plain page (" + plain.Transport + ")", "isolated page (" + iso.Transport + ")"}, rows))

	b.WriteString("\nThe round trip again, in 40 windows of 25 ms taken in turn with iris direct, iris through the loader (one worker) and the empty worker (shared memory on the isolated page, a transferred ArrayBuffer on the plain one), so that the machine's load falls on all alike: the best window (what the code costs when the machine lets it run; median in brackets). The empty worker answers at once, so its answer often arrives before the page's thread has gone to sleep; a model computes first, and the page sleeps and has to be woken. The worker that computes as long as the direct call before it answers (it polls the clock) pays that too: it is the floor of a round trip around that much work, whatever the loader does.\n\n")
	win := func(k string) func(p *loaderPage) string {
		return func(p *loaderPage) string {
			w := p.Windows[k]
			return fmt.Sprintf("%s (%s)", fmtUs(w.Min), fmtUs(w.Med))
		}
	}
	b.WriteString(table([]string{"", "plain page", "isolated page"}, [][]string{
		row("iris, direct", win("direct")),
		row("iris, via loader", win("loader")),
		row("iris, via loader with `spin: true` (always poll before sleeping)", win("spin")),
		row("iris, via loader with `spin: false` (the page and the worker sleep at once)", win("nospin")),
		row("**the loader's round trip** (best windows: via loader − direct)", func(p *loaderPage) string { return fmtUs(bestRT(p)) }),
		row("the loader's round trip with `spin: true` (best windows)", func(p *loaderPage) string { return fmtUs(p.Windows["spin"].Min - p.Windows["direct"].Min) }),
		row("the loader's round trip with `spin: false` (best windows)", func(p *loaderPage) string { return fmtUs(p.Windows["nospin"].Min - p.Windows["direct"].Min) }),
		row("the loader's round trip, medians of the windows: default (`spin: true`, `spin: false`)", func(p *loaderPage) string {
			d := p.Windows["direct"].Med
			return fmt.Sprintf("%s (%s, %s)", fmtUs(p.Windows["loader"].Med-d), fmtUs(p.Windows["spin"].Med-d), fmtUs(p.Windows["nospin"].Med-d))
		}),
		row("empty worker", win("echo")),
		row("empty worker that computes as long as the direct call (its median) before it answers", win("busy")),
		row("the loader against that worker (best windows: via loader − that worker)", func(p *loaderPage) string { return fmtUs(p.Windows["loader"].Min - p.Windows["busy"].Min) }),
	}))
	b.WriteString("\nOne digit the same way, after the pool's loops (section 7 and the first table time direct and loader calls minutes apart, and V8 may still be tiering the page's copy of the model up when the first table's direct call is timed): best window (median).\n\n")
	dwin := func(k string) func(p *loaderPage) string {
		return func(p *loaderPage) string {
			w := p.DigWin[k]
			return fmt.Sprintf("%s (%s)", fmtUs(w.Min), fmtUs(w.Med))
		}
	}
	b.WriteString(table([]string{"", "plain page", "isolated page"}, [][]string{
		row("one digit, direct", dwin("direct")),
		row("one digit, via loader", dwin("loader")),
		row("one digit, via loader with `spin: true`", dwin("spin")),
		row("one digit, via loader with `spin: false`", dwin("nospin")),
		row("an empty worker that computes as long as the direct call (median) before it answers", dwin("busy")),
		row("via loader − direct (best windows)", func(p *loaderPage) string { return fmtUs(p.DigWin["loader"].Min - p.DigWin["direct"].Min) }),
		row("one digit via loader (best window) against native Go", func(p *loaderPage) string { return speed(p.DigWin["loader"].Min, native) }),
		row("one digit via loader (median window) against native Go: default (`spin: true`, `spin: false`)", func(p *loaderPage) string {
			return fmt.Sprintf("%s (%s, %s)", speed(p.DigWin["loader"].Med, native), speed(p.DigWin["spin"].Med, native), speed(p.DigWin["nospin"].Med, native))
		}),
	}))

	b.WriteString("\nGoals (issue 21: round trip and one digit; issue 18: the pool):\n\n")
	verdict := func(ok bool) string {
		if ok {
			return "pass"
		}
		return "**FAIL**"
	}
	best := iso
	goals := [][]string{
		{"the loader's round trip, isolated page (best windows)", fmtUs(bestRT(iso)), "≤ 15 µs", verdict(bestRT(iso) <= 15)},
		{"the loader's round trip, isolated page (medians)", fmtUs(rt(iso)), "≤ 15 µs", verdict(rt(iso) <= 15)},
		{"the loader's round trip, plain page (best windows)", fmtUs(bestRT(plain)), "(no goal: postMessage)", "–"},
		{"one digit through the loader against native Go, isolated page", speed(best.DigLdr, native), "≥ 4× faster", verdict(native/best.DigLdr >= 4)},
		{"one digit through the loader against native Go, isolated page (best window)", speed(iso.DigWin["loader"].Min, native), "≥ 4× faster", verdict(native/iso.DigWin["loader"].Min >= 4)},
		{"one digit through the loader against native Go, plain page", speed(plain.DigLdr, native), "≥ 4× faster", verdict(native/plain.DigLdr >= 4)},
		{fmt.Sprintf("predictBatch of %d digits, 2 workers against 1, plain page", poolBatch), fmt.Sprintf("%.2f×", speedup(plain.Batch)), "≥ 1.7×", verdict(speedup(plain.Batch) >= 1.7)},
		{fmt.Sprintf("predictBatch of %d digits, 2 workers against 1, isolated page", poolBatch), fmt.Sprintf("%.2f×", speedup(iso.Batch)), "≥ 1.7×", verdict(speedup(iso.Batch) >= 1.7)},
		{"the same, against the machine's ceiling in the same loops (bare workers 2 against 1): plain, isolated", fmt.Sprintf("%.2f×, %.2f× of %.2f×, %.2f×", speedup(plain.Batch), speedup(iso.Batch), speedup(plain.Bare), speedup(iso.Bare)), "(reads the goal against what the machine gives)", "–"},
		{"the same by CPU (2 × CPU per batch with 1 worker / with 2): pool plain, isolated; bare workers plain, isolated", fmt.Sprintf("%.2f×, %.2f×; %.2f×, %.2f×", cpuSpeedup(plain.Batch), cpuSpeedup(iso.Batch), cpuSpeedup(plain.Bare), cpuSpeedup(iso.Bare)), "(what two free cores would give)", "–"},
	}
	b.WriteString(table([]string{"goal", "measured", "wanted", ""}, goals))

	b.WriteString("\nAnalysis: ")
	if v, ok := plain.Echo["object"]; ok {
		fmt.Fprintf(&b, "an empty worker already costs %s per round trip by postMessage (%s with a bare ArrayBuffer, %s through a MessageChannel port): what the loader paid per call is the message passing itself, not the model, the copies (3 KiB each way, well under a microsecond) or the promise chain (one promise per call). ", fmtUs(v), fmtUs(plain.Echo["buffer"]), fmtUs(plain.Echo["port"]))
	}
	b.WriteString("Chromium delivers a worker's message as a task posted to the other thread's event loop, through its scheduler, and a port's through Mojo: each direction wakes a sleeping thread and runs a task, and on a loaded machine each wake-up waits for a core. A MessageChannel per model does not help (a port is no faster than the worker's own channel), so the loader keeps `Worker.postMessage`, with the input and output as bare transferred ArrayBuffers and no id (a worker runs one call at a time). ")
	if v, ok := iso.Echo["sab-wait"]; ok {
		fmt.Fprintf(&b, "Shared memory skips the task queue on the worker's side: blocked in `Atomics.wait`, the worker wakes on `Atomics.notify` straight into the model, and only the page's side goes through a task (the resolution of `Atomics.waitAsync`): %s for an empty worker, against %s when the worker also awaits `waitAsync`. ", fmtUs(v), fmtUs(iso.Echo["sab-waitAsync"]))
		fmt.Fprintf(&b, "A worker that never goes back to its event loop pays for every ArrayBuffer it allocates (%s with one 12-byte ArrayBuffer per call), so the loader's worker copies the output from the model's memory straight into the shared region, allocating none. ", fmtUs(iso.Echo["sab-wait-alloc"]))
	}
	b.WriteString("So on a cross-origin isolated page each worker gets a SharedArrayBuffer channel (templates/loader/channel.js): the page writes the packed input into it; the worker runs the model on the input in place and writes the output back. Each side polls the channel before it sleeps when that pays (the worker for at most 0.05 ms after each answer, then `Atomics.wait`; the page for at most 0.5 ms, while no other call is in flight, then `Atomics.waitAsync`), so a predict in a loop wakes no thread. Whether it pays depends on the machine's load, so by default (`spin: \"auto\"`) each side decides per call, as an adaptive lock does: it polls within a budget learned from its polls that caught the answer, and after a poll that ran out it sleeps at once for the next 1, 3, 7 … 63 calls; the `spin: true` and `spin: false` rows force one way. Batches and inputs larger than the channel still go by postMessage, after the page \"parks\" the worker (it leaves its loop to read its messages). ")
	fmt.Fprintf(&b, "The pool hands a batch out in parts of about half of what is left per worker, each to the worker with the fewest in hand, and each worker holds up to two calls or parts, so that the next is queued when it finishes one: with 2 workers a batch of %d digits runs %.2f× as fast as with one (plain page; %.2f× isolated). ", poolBatch, speedup(plain.Batch), speedup(iso.Batch))
	b.WriteString("Predict calls made at once go out the same way: the calls waiting behind one another travel together, a part of them per batch message; and with several workers the page decides whether to poll for a lone call's answer only once the caller's task has run on, so that a loop of predicts reaches every worker before the page polls. ")
	fmt.Fprintf(&b, "The CPU time per batch (all of the browser's processes, from /proc) shows the work the pool does: %s with one worker and %s with two on the plain page (%s and %s isolated; by thread in the rows below each); the cores used (CPU time over wall time) show what the machine gave: %.2f and %.2f. ", fmtUs(plain.Batch[0].cpuPerCall()), fmtUs(plain.Batch[1].cpuPerCall()), fmtUs(iso.Batch[0].cpuPerCall()), fmtUs(iso.Batch[1].cpuPerCall()), plain.Batch[0].cores(), plain.Batch[1].cores())
	fmt.Fprintf(&b, "The machine-ceiling rows time the same batch on bare workers (the digits model's .wasm called in a Web Worker, no loader: one on all of it against two on half each) and the same kind of work natively (a gemm on 1 goroutine against 2), in the same rounds as the pool: two bare workers ran %.2f× as fast as one (plain; %.2f× isolated) and two goroutines %.2f×, so the pool's figure reads against those. ", speedup(plain.Bare), speedup(iso.Bare), speedup(plain.Native))
	b.WriteString("Two workers can only be twice as fast when the browser gets two cores; on this shared machine (load average in the header) Linux's autogroup scheduler divides the CPU between sessions first, so a second worker thread shares its session's part instead of adding a core's. ")
	b.WriteString("A figure near its threshold can pass in one run and fail in the next on this shared machine; the ratios measured side by side in one run are the figures to read.\n")
	return b.String()
}

// cpuSpeedup is what two free cores would give two workers at the CPU
// the loops measured, if it spread evenly: 2 × one worker's CPU per call
// over two workers'. Unlike the wall time it does not depend on how much
// of the machine the rest of its load left the browser.
func cpuSpeedup(l [2]poolLoop) float64 { return 2 * l[0].cpuPerCall() / l[1].cpuPerCall() }

// speedup is one worker's wall time per call over two workers'.
func speedup(l [2]poolLoop) float64 { return l[0].perCall() / l[1].perCall() }

// bestRT is the loader's round trip from the best windows: iris through
// the loader less iris direct.
func bestRT(p *loaderPage) float64 { return p.Windows["loader"].Min - p.Windows["direct"].Min }
