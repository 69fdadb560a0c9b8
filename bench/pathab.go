package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// pathABCmd splits one model's per-call time in Chromium by path, in one
// cross-origin isolated page, the paths taking turns: pwagen through its
// loader (the bench page's predict, and loadModel with spin false and
// true), pwagen's module called directly in the page and in a bare Web
// Worker answering postMessage, ONNX Runtime Web's session.run in the page
// and through the bench's ORT worker. Per path: the minimum, p10 and
// median ms per call, and each Chromium thread's CPU time per call
// (/proc/TID/schedstat: what a call costs whatever the machine's load);
// first, the calls' time over the seconds after the page's first
// inference; with --profile, each worker's CPU profile (CDP Profiler) by
// function. The gap between two paths is where a side's time goes.
//
//	go run ./bench _pathab [--rounds 4] [--calls 200] DIST WEIGHTS ORT-SITE
const pathABCmd = "_pathab"

// pathWorkerJS is pwagen's module in a bare Web Worker: pageJS's model(),
// one postMessage per call, the output transferred.
const pathWorkerJS = `self.window = self;
PAGEJS;
let m;
onmessage = async (e) => {
  const d = e.data;
  if (d.init) { m = await __pw.model(...d.init); postMessage({ ok: true }); return; }
  const out = m.predict(d.x);
  postMessage(out, [out.buffer]);
};
`

const pathSetupJS = `(async (s) => {
  const P = window.__paths = {};
  const x = window.__input;
  P['pwagen loader'] = () => window.__predict(x);
  const { loadModel } = await import('/pwagen.js');
  for (const spin of [false, true]) {
    const lm = await loadModel({ serviceWorker: false, storage: 'memory', workers: 1, spin });
    P['pwagen loader spin ' + spin] = () => lm.predict(x.slice());
  }
  const m = await __pw.model(s.model, '/__bench/forwarder.wasm', '/__bench/simd.wasm', '/__bench/w.bin');
  P['pwagen direct'] = async () => m.predict(x);
  const w = new Worker('/__bench/pathworker.js');
  const wcall = (msg, t) => new Promise((res) => { w.onmessage = (e) => res(e.data); w.postMessage(msg, t || []); });
  await wcall({ init: [s.model, '/__bench/forwarder.wasm', '/__bench/simd.wasm', '/__bench/w.bin'] });
  P['pwagen bare worker'] = () => { const c = x.slice(); return wcall({ x: c }, [c.buffer]); };
  const ort = await import('/__ort/ort/ort.wasm.min.mjs');
  ort.env.wasm.numThreads = 1;
  const sess = await ort.InferenceSession.create('/__ort/model.onnx', { executionProviders: ['wasm'] });
  P['ORT direct'] = async () => (await sess.run({ [sess.inputNames[0]]: new ort.Tensor('float32', x.slice(), s.dims) }))[sess.outputNames[0]].data;
  const ow = new Worker('/__ort/worker.js', { type: 'module' });
  let seq = 0;
  const ocall = (msg, t) => new Promise((res, rej) => { ow.onmessage = (e) => e.data.error ? rej(new Error(e.data.error)) : res(e.data); ow.postMessage({ ...msg, id: ++seq }, t || []); });
  await ocall({ type: 'init', model: 'model.onnx', dims: s.dims, threads: 1 });
  P['ORT worker'] = () => { const c = x.slice(); return ocall({ type: 'run', data: c }, [c.buffer]); };
  return Object.keys(P);
})`

// pathTimeJS times path k: warm-up, then calls; the median ms per call.
const pathTimeJS = `(async (k, calls, warmMs) => {
  const f = window.__paths[k];
  for (const t0 = performance.now(); performance.now() - t0 < warmMs;) await f();
  const ms = [];
  for (let i = 0; i < calls; i++) { const a = performance.now(); await f(); ms.push(performance.now() - a); }
  ms.sort((a, b) => a - b);
  return [ms[0], ms[Math.floor(ms.length / 10)], ms[ms.length >> 1]];
})`

func pathABMain(args []string) int {
	fset := flag.NewFlagSet(pathABCmd, flag.ContinueOnError)
	rounds := fset.Int("rounds", 4, "rounds: each path is timed once per round, in a rotated order")
	calls := fset.Int("calls", 200, "timed calls per path and round")
	prof := fset.Bool("profile", false, "then profile each worker path's worker (CDP Profiler) and print its self time by function")
	work := fset.String("work", os.TempDir(), "folder for the Chromium profile")
	if err := fset.Parse(args); err != nil || fset.NArg() != 3 {
		fmt.Fprintln(os.Stderr, "usage: bench _pathab [--rounds N] [--calls N] DIST WEIGHTS ORT-SITE")
		return 2
	}
	if err := pathAB(fset.Arg(0), fset.Arg(1), fset.Arg(2), *work, *rounds, *calls, *prof); err != nil {
		fmt.Fprintf(os.Stderr, "bench %s: %v\n", pathABCmd, err)
		return 1
	}
	return 0
}

func pathAB(dist, weights, ortSite, work string, rounds, calls int, profile bool) error {
	extra, err := kernelExtras()
	if err != nil {
		return err
	}
	extra["/__bench/w.bin"] = extraFile{path: weights, ctype: "application/octet-stream"}
	extra["/__bench/pathworker.js"] = extraFile{data: []byte(strings.Replace(pathWorkerJS, "PAGEJS", pageJS, 1)), ctype: "text/javascript"}
	err = filepath.WalkDir(ortSite, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".br") || strings.HasSuffix(p, ".gz") {
			return err
		}
		rel, _ := filepath.Rel(ortSite, p)
		ct := "application/octet-stream"
		switch filepath.Ext(p) {
		case ".js", ".mjs":
			ct = "text/javascript"
		case ".wasm":
			ct = "application/wasm"
		}
		extra["/__ort/"+filepath.ToSlash(rel)] = extraFile{path: p, ctype: ct}
		return nil
	})
	if err != nil {
		return err
	}
	wasms, _ := filepath.Glob(filepath.Join(dist, "model-*.wasm"))
	if len(wasms) != 1 {
		return fmt.Errorf("%s: want one model-*.wasm, found %d", dist, len(wasms))
	}
	app, err := os.ReadFile(filepath.Join(ortSite, "app.js"))
	if err != nil {
		return err
	}
	_, dims, ok := strings.Cut(string(app), "dims: ")
	if !ok {
		return fmt.Errorf("%s/app.js: no dims", ortSite)
	}
	dims, _, _ = strings.Cut(dims, ", threads")
	var dimsV []int
	if err := json.Unmarshal([]byte(dims), &dimsV); err != nil {
		return fmt.Errorf("%s/app.js: dims %q: %v", ortSite, dims, err)
	}

	ctx, cancelAll := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancelAll()
	srv, err := startServer(dist, extra)
	if err != nil {
		return err
	}
	srv.isolate = true
	defer srv.stop()
	bctx, cancel, err := browser(ctx, work)
	if err != nil {
		return err
	}
	defer cancel()
	if err := navigate(bctx, srv.URL); err != nil {
		return err
	}
	if err := waitFor(bctx, benchDoneJS, benchStateJS, 120*time.Second); err != nil {
		return err
	}
	st, err := eval[pageState](bctx, `window.__bench`)
	if err != nil {
		return err
	}
	if st.Error != "" {
		return fmt.Errorf("the page failed: %s", st.Error)
	}
	// Right after the first inference, as the ort section timed it before
	// it timed in turns: windows of calls, each's median by the time since
	// the first inference.
	series, err := eval[[][2]float64](bctx, `(async () => {
  const out = [];
  const x = window.__input;
  while (performance.now() - window.__bench.ttfi < 6000) {
    const ms = [];
    const at = performance.now() - window.__bench.ttfi;
    for (let i = 0; i < 40; i++) { const a = performance.now(); await window.__predict(x); ms.push(performance.now() - a); }
    ms.sort((a, b) => a - b);
    out.push([at, ms[20]]);
  }
  return out;
})()`)
	if err != nil {
		return err
	}
	var sb strings.Builder
	for _, p := range series {
		fmt.Fprintf(&sb, " %.1fs:%.2f", p[0]/1000, p[1])
	}
	fmt.Printf("pwagen loader after the first inference, median ms of 40 calls by the time since it:%s\n", sb.String())
	if _, err := eval[bool](bctx, pageJS); err != nil {
		return err
	}
	spec, _ := json.Marshal(map[string]any{"model": "/" + filepath.Base(wasms[0]), "dims": dimsV})
	keys, err := eval[[]string](bctx, pathSetupJS+"("+string(spec)+")")
	if err != nil {
		return err
	}
	fmt.Printf("loader variant %s; load average %s\n", st.Variant, loadAvg())
	browserPid := 0
	if c := chromedp.FromContext(bctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		browserPid = c.Browser.Process().Pid
	}
	cpu := make([]map[string][]float64, len(keys)) // µs of CPU per call by thread name
	res := make([][3][]float64, len(keys))
	for r := 0; r < rounds; r++ {
		for j := range keys {
			i := (j + r) % len(keys)
			k, _ := json.Marshal(keys[i])
			if _, err := eval[[3]float64](bctx, fmt.Sprintf("%s(%s, 1, 500)", pathTimeJS, k)); err != nil {
				return err
			}
			before := threadCPU(browserPid)
			ms, err := eval[[3]float64](bctx, fmt.Sprintf("%s(%s, %d, 0)", pathTimeJS, k, calls))
			if err != nil {
				return err
			}
			after := threadCPU(browserPid)
			if cpu[i] == nil {
				cpu[i] = map[string][]float64{}
			}
			byName := map[string]float64{}
			for tid, a := range after {
				if d := a.ns - before[tid].ns; d > 0 {
					byName[a.name] += float64(d) / 1e3 / float64(calls+1)
				}
			}
			for n, us := range byName {
				cpu[i][n] = append(cpu[i][n], us)
			}
			for q := range ms {
				res[i][q] = append(res[i][q], ms[q])
			}
			fmt.Fprintf(os.Stderr, "round %d %s: min %.3f p10 %.3f median %.3f ms\n", r+1, keys[i], ms[0], ms[1], ms[2])
		}
	}
	for i, k := range keys {
		fmt.Printf("%-20s min %.3f, p10 %.3f, median %.3f ms (medians of rounds; rounds' minima %s)\n", k, medianOf(res[i][0]), medianOf(res[i][1]), medianOf(res[i][2]), fmtList(res[i][0]))
	}
	for i, k := range keys {
		var parts []string
		for n, v := range cpu[i] {
			if m := medianOf(v); m >= 5 {
				parts = append(parts, fmt.Sprintf("%s %.0f", n, m))
			}
		}
		sort.Strings(parts)
		fmt.Printf("%-20s CPU µs per call by thread (median of rounds): %s\n", k, strings.Join(parts, ", "))
	}
	fmt.Printf("load average %s\n", loadAvg())
	if profile {
		return pathProfiles(bctx, keys, calls)
	}
	return nil
}

// pathProfiles profiles each worker path's worker (CDP Profiler) over
// calls calls and prints its self time by function.
func pathProfiles(bctx context.Context, keys []string, calls int) error {
	infos, err := chromedp.Targets(bctx)
	if err != nil {
		return err
	}
	type worker struct {
		url string
		id  target.ID
	}
	var workers []worker
	for _, i := range infos {
		if i.Type == "worker" {
			fmt.Printf("worker %s\n", i.URL)
			workers = append(workers, worker{i.URL, i.TargetID})
		}
	}
	for _, k := range []struct{ path, url string }{{"pwagen loader", "pwagen.js"}, {"pwagen bare worker", "pathworker.js"}, {"ORT worker", "__ort/worker.js"}} {
		for _, wk := range workers {
			if !strings.Contains(wk.url, k.url) {
				continue
			}
			id := wk.id
			wctx, cancel := chromedp.NewContext(bctx, chromedp.WithTargetID(id))
			_, err := chromedp.Call(wctx, profiler.Enable, cdp.Empty{})
			if err == nil {
				_, err = chromedp.Call(wctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 50})
			}
			if err == nil {
				_, err = chromedp.Call(wctx, profiler.Start, cdp.Empty{})
			}
			if err != nil {
				cancel()
				return fmt.Errorf("%s: %v", k.path, err)
			}
			kj, _ := json.Marshal(k.path)
			if _, err := eval[[3]float64](bctx, fmt.Sprintf("%s(%s, %d, 0)", pathTimeJS, kj, calls)); err != nil {
				cancel()
				return err
			}
			res, err := chromedp.Call(wctx, profiler.Stop, cdp.Empty{})
			cancel()
			if err != nil {
				return err
			}
			prof := res.Profile
			self := map[string]int{}
			byID := map[int64]*profiler.ProfileNode{}
			for _, n := range prof.Nodes {
				byID[n.ID] = n
			}
			for _, s := range prof.Samples {
				n := byID[s]
				name := n.CallFrame.FunctionName
				if strings.HasPrefix(n.CallFrame.URL, "wasm://") {
					name = "wasm " + name
				} else if n.CallFrame.URL != "" {
					name = fmt.Sprintf("%s (%s:%d)", name, filepath.Base(n.CallFrame.URL), n.CallFrame.LineNumber)
				}
				self[name]++
			}
			type kv struct {
				k string
				n int
			}
			var all []kv
			wasm := 0
			for k, n := range self {
				all = append(all, kv{k, n})
				if strings.HasPrefix(k, "wasm ") {
					wasm += n
				}
			}
			sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n })
			total := len(prof.Samples)
			fmt.Printf("\n%s: %d samples, wasm %.1f%%\n", k.path, total, 100*float64(wasm)/float64(total))
			for i, x := range all {
				if i == 25 {
					break
				}
				fmt.Printf("  %5.1f%% %s\n", 100*float64(x.n)/float64(total), x.k)
			}
		}
	}
	return nil
}

func fmtList(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.3f", x)
	}
	return strings.Join(s, " ")
}

type threadTime struct {
	name string
	ns   int64
}

// threadCPU reads the CPU time of every thread of pid's descendants
// (/proc/TID/schedstat, ns on a CPU), by tid, named "process comm/thread
// comm".
func threadCPU(pid int) map[int]threadTime {
	out := map[int]threadTime{}
	if pid == 0 {
		return out
	}
	parent := map[int]int{}
	comm := map[int]string{}
	procs, _ := os.ReadDir("/proc")
	for _, d := range procs {
		p, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		r := strings.LastIndexByte(s, ')')
		if r < 0 {
			continue
		}
		f := strings.Fields(s[r+1:])
		if len(f) > 1 {
			parent[p], _ = strconv.Atoi(f[1])
		}
		if l := strings.IndexByte(s, '('); l >= 0 {
			comm[p] = s[l+1 : r]
		}
	}
	mine := func(p int) bool {
		for i := 0; i < 10 && p > 1; i++ {
			if p == pid {
				return true
			}
			p = parent[p]
		}
		return false
	}
	for p := range parent {
		if !mine(p) {
			continue
		}
		tasks, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(p), "task"))
		for _, t := range tasks {
			tid, _ := strconv.Atoi(t.Name())
			dir := filepath.Join("/proc", strconv.Itoa(p), "task", t.Name())
			b, err := os.ReadFile(filepath.Join(dir, "schedstat"))
			if err != nil {
				continue
			}
			f := strings.Fields(string(b))
			if len(f) == 0 {
				continue
			}
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			c, _ := os.ReadFile(filepath.Join(dir, "comm"))
			out[tid] = threadTime{fmt.Sprintf("%d:%s/%s", p, comm[p], strings.TrimSpace(string(c))), ns}
		}
	}
	return out
}
